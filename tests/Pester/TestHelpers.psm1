#Requires -Version 7.4
<#
.SYNOPSIS
    Shared helpers for the Pester tests and build.ps1: find the built module, start and drive the
    emulator, run code in a fresh child pwsh, set a test file up on one protocol and undo it
    (Enter-/Exit-OaiTestProtocol).

.DESCRIPTION
    Environment contract (set by build.ps1, all optional when a test file is run by hand from the repo):

      PSASSISTANTS_MODULE_PATH         full path of the built module folder (default: <repo>/out/PSAssistants)
      PSASSISTANTS_EMULATOR_DLL        full path of PSAssistants.Emulator.dll (default: <repo>/out/emulator/...)
      PSASSISTANTS_PACKAGE_PATH        full path of the .nupkg of ./build.ps1 -Task Package
                                       (default: <repo>/out/package/PSAssistants.<Directory.Build.props version>.nupkg)
      PSASSISTANTS_TEST_BASEURI        wire pass only: the base URI the module must talk to (Prism, no /v1);
                                       when set, Start-OaiTestEmulator starts nothing and returns it
      PSASSISTANTS_TEST_EMULATOR_URI   wire pass only: the emulator's own root, for the control endpoints
#>

Set-StrictMode -Version 3.0

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
# The emulators this module instance started, newest last; the control functions default to the newest.
$script:Emulators = [System.Collections.Generic.List[object]]::new()

#region Paths and child processes

function Get-OaiTestRepoRoot {
    [CmdletBinding()]
    [OutputType([string])]
    param()
    $script:RepoRoot
}

function Get-OaiTestModulePath {
    <# The built module folder: $env:PSASSISTANTS_MODULE_PATH, else <repo>/out/PSAssistants. #>
    [CmdletBinding()]
    [OutputType([string])]
    param()
    if ($env:PSASSISTANTS_MODULE_PATH) { return $env:PSASSISTANTS_MODULE_PATH }
    Join-Path $script:RepoRoot 'out/PSAssistants'
}

function Get-OaiTestEmulatorPath {
    <# The emulator dll: $env:PSASSISTANTS_EMULATOR_DLL, else <repo>/out/emulator/PSAssistants.Emulator.dll. #>
    [CmdletBinding()]
    [OutputType([string])]
    param()
    if ($env:PSASSISTANTS_EMULATOR_DLL) { return $env:PSASSISTANTS_EMULATOR_DLL }
    Join-Path $script:RepoRoot 'out/emulator/PSAssistants.Emulator.dll'
}

function Get-OaiTestPackagePath {
    <# The module's .nupkg: $env:PSASSISTANTS_PACKAGE_PATH, else <repo>/out/package/PSAssistants.<version>.nupkg. #>
    [CmdletBinding()]
    [OutputType([string])]
    param()
    if ($env:PSASSISTANTS_PACKAGE_PATH) { return $env:PSASSISTANTS_PACKAGE_PATH }
    $props = [xml](Get-Content -Raw (Join-Path $script:RepoRoot 'Directory.Build.props'))
    $version = $props.SelectSingleNode('/Project/PropertyGroup/Version').InnerText.Trim()
    Join-Path $script:RepoRoot "out/package/PSAssistants.$version.nupkg"
}

function Get-OaiTestPwshCommand {
    <#
    .SYNOPSIS
        The command line prefix that starts a fresh pwsh like the current one.
    .DESCRIPTION
        Under 'dotnet pwsh' (the repo's local dotnet tool) the process is dotnet itself and pwsh is a dll in
        $PSHOME, so the child is 'dotnet <PSHOME>/pwsh.dll'; under an installed pwsh it is the executable.
    #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param()
    $processPath = [Environment]::ProcessPath
    $leaf = [IO.Path]::GetFileNameWithoutExtension($processPath)
    if ($leaf -eq 'dotnet') {
        return , @($processPath, (Join-Path $PSHOME 'pwsh.dll'))
    }
    if ($leaf -eq 'pwsh') {
        return , @($processPath)
    }
    # Hosted elsewhere (an editor, a test host): fall back to whatever pwsh is on PATH.
    $pwsh = Get-Command pwsh -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($pwsh) { return , @($pwsh.Source) }
    throw "Cannot find a pwsh to start: this process is '$processPath' and there is no pwsh on PATH."
}

function Invoke-OaiTestPwsh {
    <#
    .SYNOPSIS
        Runs a script in a fresh 'pwsh -NoProfile -NonInteractive' and returns its exit code and output lines.
    .PARAMETER Environment
        Variables set for the child only (restored afterwards in this process).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Command,
        [hashtable] $Environment = @{}
    )
    $pwsh = Get-OaiTestPwshCommand
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($Command))
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $Environment[$name])
    }
    try {
        $exe = $pwsh[0]
        $prefix = @($pwsh | Select-Object -Skip 1)
        $output = & $exe @prefix -NoProfile -NonInteractive -OutputFormat Text -EncodedCommand $encoded 2>&1
        [pscustomobject]@{
            ExitCode = $LASTEXITCODE
            Output   = @($output | ForEach-Object { "$_" })
        }
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

function Import-OaiTestModule {
    <# Imports the built module (see Get-OaiTestModulePath) into the global scope, replacing any loaded copy. #>
    [CmdletBinding()]
    param([switch] $PassThru)
    $path = Get-OaiTestModulePath
    if (-not (Test-Path (Join-Path $path 'PSAssistants.psd1'))) {
        throw "The built module is not at '$path'. Run './build.ps1' first, or set PSASSISTANTS_MODULE_PATH."
    }
    Import-Module $path -Force -Global -PassThru:$PassThru -ErrorAction Stop
}

#endregion

#region Emulator process

function Start-OaiTestEmulator {
    <#
    .SYNOPSIS
        Starts the API emulator on a free loopback port and returns BaseUri (for the module), ControlUri
        (the emulator root, for the /__emulator endpoints) and Process.
    .DESCRIPTION
        When $env:PSASSISTANTS_TEST_BASEURI is set (the wire pass of build.ps1) nothing is started: the
        returned object points the module at that URI (Prism) and the control calls at
        $env:PSASSISTANTS_TEST_EMULATOR_URI, and the shared emulator is reset so each test file starts clean.
        -Local ignores those variables and always starts a process (build.ps1 uses it).
    .PARAMETER RunDurationMs
        How long a run stays in progress before the emulator completes it (POST /__emulator/config).
    .PARAMETER LogPath
        Where the emulator's stdout and stderr are written when it stops.
    #>
    [CmdletBinding()]
    param(
        [ValidateRange(0, [int]::MaxValue)] [int] $RunDurationMs = -1,
        [string] $Path = (Get-OaiTestEmulatorPath),
        [switch] $Local,
        [string] $LogPath,
        [ValidateRange(1, 300)] [int] $TimeoutSeconds = 10
    )

    if ($env:PSASSISTANTS_TEST_BASEURI -and -not $Local) {
        $emulator = [pscustomobject]@{
            PSTypeName = 'PSAssistants.TestEmulator'
            BaseUri    = $env:PSASSISTANTS_TEST_BASEURI.TrimEnd('/')
            ControlUri = if ($env:PSASSISTANTS_TEST_EMULATOR_URI) { $env:PSASSISTANTS_TEST_EMULATOR_URI.TrimEnd('/') } else { $null }
            Process    = $null
            External   = $true
            LogPath    = $null
            OutputTask = $null
            ErrorTask  = $null
        }
        $script:Emulators.Add($emulator)
        if ($emulator.ControlUri) {
            Reset-OaiTestEmulator -Emulator $emulator
            Clear-OaiTestFault -Emulator $emulator
        }
        if ($RunDurationMs -ge 0) { Set-OaiTestEmulatorConfig -Emulator $emulator -RunDurationMs $RunDurationMs }
        return $emulator
    }

    if (-not (Test-Path $Path)) {
        throw "The emulator is not at '$Path'. Run './build.ps1' first, or set PSASSISTANTS_EMULATOR_DLL."
    }
    $Path = (Resolve-Path $Path).ProviderPath

    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($arg in @($Path, '--port', '0', '--parent-pid', "$PID")) { $psi.ArgumentList.Add($arg) }
    $psi.WorkingDirectory = Split-Path $Path
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    # Drain stderr from the start so a chatty emulator can never block on a full pipe.
    $errorTask = $process.StandardError.ReadToEndAsync()

    $url = $null
    $seen = [System.Collections.Generic.List[string]]::new()
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    try {
        while (-not $url) {
            $remaining = [int][Math]::Max(0, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)
            $lineTask = $process.StandardOutput.ReadLineAsync()
            if (-not $lineTask.Wait($remaining)) {
                throw "The emulator did not print PSASSISTANTS_EMULATOR_URL=... within $TimeoutSeconds s."
            }
            $line = $lineTask.Result
            if ($null -eq $line) {
                $process.WaitForExit(2000) | Out-Null
                $code = if ($process.HasExited) { $process.ExitCode } else { '?' }
                throw "The emulator exited (code $code) before printing PSASSISTANTS_EMULATOR_URL=...."
            }
            $seen.Add($line)
            if ($line -match '^PSASSISTANTS_EMULATOR_URL=(?<url>\S+)\s*$') { $url = $Matches.url.TrimEnd('/') }
        }
    }
    catch {
        if (-not $process.HasExited) { $process.Kill($true) }
        $process.WaitForExit(5000) | Out-Null
        $stderr = if ($errorTask.Wait(2000)) { $errorTask.Result } else { '' }
        $detail = (@($seen) + @($stderr -split "`r?`n")) | Where-Object { $_ } | Select-Object -Last 20
        $message = "Could not start the emulator 'dotnet $Path': $($_.Exception.Message)"
        if ($detail) { $message += "`nIts output:`n  " + ($detail -join "`n  ") }
        throw $message
    }

    $emulator = [pscustomobject]@{
        PSTypeName = 'PSAssistants.TestEmulator'
        BaseUri    = "$url/v1"
        ControlUri = $url
        Process    = $process
        External   = $false
        LogPath    = $LogPath
        OutputTask = $process.StandardOutput.ReadToEndAsync()
        ErrorTask  = $errorTask
    }
    $script:Emulators.Add($emulator)
    if ($RunDurationMs -ge 0) { Set-OaiTestEmulatorConfig -Emulator $emulator -RunDurationMs $RunDurationMs }
    $emulator
}

function Stop-OaiTestEmulator {
    <# Stops an emulator this module started (default: all of them); an external (wire) one is left running. #>
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)] [object] $Emulator)
    process {
        $targets = if ($Emulator) { @($Emulator) } else { @($script:Emulators) }
        foreach ($e in $targets) {
            $null = $script:Emulators.Remove($e)
            if ($e.External -or -not $e.Process) { continue }
            try {
                if (-not $e.Process.HasExited) { $e.Process.Kill($true) }
                $null = $e.Process.WaitForExit(5000)
            }
            catch [System.InvalidOperationException] {
                # Already gone: nothing to stop.
            }
            if ($e.LogPath) {
                $out = if ($e.OutputTask -and $e.OutputTask.Wait(2000)) { $e.OutputTask.Result } else { '' }
                $err = if ($e.ErrorTask -and $e.ErrorTask.Wait(2000)) { $e.ErrorTask.Result } else { '' }
                Set-Content -LiteralPath $e.LogPath -Value ($out + $err) -Encoding utf8NoBOM
            }
            $e.Process.Dispose()
        }
    }
}

function Get-OaiTestEmulatorTarget([object] $Emulator) {
    if (-not $Emulator) {
        if ($script:Emulators.Count -eq 0) { throw 'No emulator: call Start-OaiTestEmulator first.' }
        $Emulator = $script:Emulators[$script:Emulators.Count - 1]
    }
    if (-not $Emulator.ControlUri) {
        throw 'This emulator has no control URI: set PSASSISTANTS_TEST_EMULATOR_URI alongside PSASSISTANTS_TEST_BASEURI.'
    }
    $Emulator
}

function Invoke-OaiTestControl {
    [CmdletBinding()]
    param(
        [object] $Emulator,
        [Parameter(Mandatory)] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        [object] $Body
    )
    $target = Get-OaiTestEmulatorTarget $Emulator
    $request = @{
        Method     = $Method
        Uri        = "$($target.ControlUri)$Path"
        TimeoutSec = 10
        NoProxy    = $true
    }
    if ($PSBoundParameters.ContainsKey('Body')) {
        $request.Body = ConvertTo-Json -InputObject $Body -Depth 20 -Compress
        $request.ContentType = 'application/json'
    }
    Invoke-RestMethod @request
}

#endregion

#region Emulator control endpoints

function Reset-OaiTestEmulator {
    <# POST /__emulator/reset: forget every object and recorded request. #>
    [CmdletBinding()]
    param([object] $Emulator)
    $null = Invoke-OaiTestControl -Emulator $Emulator -Method Post -Path '/__emulator/reset'
}

function Set-OaiTestEmulatorConfig {
    <# POST /__emulator/config {run_duration_ms, max_page_size}: only the settings given. -MaxPageSize 0 removes the cap. #>
    [CmdletBinding()]
    param(
        [object] $Emulator,
        [ValidateRange(0, [int]::MaxValue)] [int] $RunDurationMs = -1,
        [ValidateRange(0, 10000)] [int] $MaxPageSize = -1
    )
    $body = @{}
    if ($RunDurationMs -ge 0) { $body.run_duration_ms = $RunDurationMs }
    if ($MaxPageSize -ge 0) { $body.max_page_size = $MaxPageSize }
    if ($body.Count -eq 0) { throw 'Set-OaiTestEmulatorConfig: give -RunDurationMs or -MaxPageSize.' }
    $null = Invoke-OaiTestControl -Emulator $Emulator -Method Post -Path '/__emulator/config' -Body $body
}

function Get-OaiTestRequest {
    <# The requests the emulator recorded (GET /__emulator/requests), or their number with -Count. #>
    [CmdletBinding()]
    param(
        [object] $Emulator,
        [switch] $Count
    )
    if ($Count) {
        $answer = Invoke-OaiTestControl -Emulator $Emulator -Method Get -Path '/__emulator/requests/count'
        if ($answer -is [System.Management.Automation.PSCustomObject] -and $answer.PSObject.Properties['count']) {
            return [int]$answer.count
        }
        return [int]$answer
    }
    $answer = Invoke-OaiTestControl -Emulator $Emulator -Method Get -Path '/__emulator/requests'
    # Either a bare JSON array or a list object {data: [...]}: write the requests one by one.
    if ($answer -is [System.Management.Automation.PSCustomObject] -and $answer.PSObject.Properties['data']) {
        $answer = $answer.data
    }
    $answer | Write-Output
}

function Clear-OaiTestRequest {
    <# DELETE /__emulator/requests. #>
    [CmdletBinding()]
    param([object] $Emulator)
    $null = Invoke-OaiTestControl -Emulator $Emulator -Method Delete -Path '/__emulator/requests'
}

function Set-OaiTestFault {
    <#
    .SYNOPSIS
        POST /__emulator/faults with the given rules (hashtables or objects, sent as one JSON array).
    .EXAMPLE
        Set-OaiTestFault @{ path = '/v1/assistants'; status = 429; times = 2 }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [object[]] $Rule,
        [object] $Emulator
    )
    $null = Invoke-OaiTestControl -Emulator $Emulator -Method Post -Path '/__emulator/faults' -Body @($Rule)
}

function Clear-OaiTestFault {
    <# DELETE /__emulator/faults. #>
    [CmdletBinding()]
    param([object] $Emulator)
    $null = Invoke-OaiTestControl -Emulator $Emulator -Method Delete -Path '/__emulator/faults'
}

#endregion

#region One protocol for a whole test file

function Enter-OaiTestProtocol {
    <#
    .SYNOPSIS
        Sets up what a test file on one protocol needs: the built module, an assistant store of its own, an
        emulator and a default session on it. Exit-OaiTestProtocol undoes it.
    .DESCRIPTION
        Imports the module (Import-OaiTestModule), points $env:PSASSISTANTS_ASSISTANT_STORE at -StorePath so that no
        session the file makes, the default one included, reads or writes the user's store, starts an emulator
        (Start-OaiTestEmulator) and makes the default session with Connect-OaiService -ApiKey $Key -Protocol $Protocol.
        Returns Protocol, Key, StorePath, Emulator and Session (that default session); hand it to Exit-OaiTestProtocol.
        When a step fails, what the steps before it changed is undone before the error is thrown.
    .PARAMETER StorePath
        The assistant store (default: assistants-<Protocol>.json in Pester's TestDrive).
    .PARAMETER RunDurationMs
        How long a run stays in progress in the emulator (Start-OaiTestEmulator -RunDurationMs).
    .EXAMPLE
        BeforeAll {
            Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
            $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-files'
            $script:Emulator, $script:Session = $Setup.Emulator, $Setup.Session
        }
        AfterAll { Exit-OaiTestProtocol $Setup }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [ValidateSet('Assistants', 'Responses')] [string] $Protocol,
        [string] $Key = 'sk-test-protocol',
        [string] $StorePath,
        [ValidateRange(0, [int]::MaxValue)] [int] $RunDurationMs = -1
    )
    if (-not $StorePath) {
        $testDrive = Get-Variable -Name TestDrive -Scope Global -ValueOnly -ErrorAction Ignore
        if (-not $testDrive) { throw 'Enter-OaiTestProtocol: outside a Pester run (no TestDrive) give -StorePath.' }
        $StorePath = Join-Path $testDrive "assistants-$Protocol.json"
    }
    $setup = [pscustomobject]@{
        PSTypeName = 'PSAssistants.TestProtocol'
        Protocol   = $Protocol
        Key        = $Key
        StorePath  = $StorePath
        Emulator   = $null
        Session    = $null
        SavedStore = $env:PSASSISTANTS_ASSISTANT_STORE
        Exited     = $false
    }
    try {
        Import-OaiTestModule
        $env:PSASSISTANTS_ASSISTANT_STORE = $StorePath
        $emulatorOptions = @{}
        if ($RunDurationMs -ge 0) { $emulatorOptions.RunDurationMs = $RunDurationMs }
        $setup.Emulator = Start-OaiTestEmulator @emulatorOptions
        $setup.Session = Connect-OaiService -ApiKey $Key -BaseUri $setup.Emulator.BaseUri -Protocol $Protocol -PassThru -ErrorAction Stop
    }
    catch {
        Exit-OaiTestProtocol $setup
        throw
    }
    $setup
}

function Exit-OaiTestProtocol {
    <#
    .SYNOPSIS
        Undoes Enter-OaiTestProtocol: forgets the default session (Disconnect-OaiService), stops the emulator and
        puts $env:PSASSISTANTS_ASSISTANT_STORE back as it was before Enter (unset if it was unset).
    .DESCRIPTION
        Safe in any AfterAll: $null (from an Enter that failed, which has undone itself) and a second call do
        nothing. The module stays imported. The default session is forgotten, not put back: a test file starts
        without one (Enter is the first Connect), and the module has no cmdlet that makes a session object the
        default again.
    #>
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipeline)] [AllowNull()] [object] $Setup)
    process {
        if (-not $Setup -or $Setup.Exited) { return }
        $Setup.Exited = $true
        try {
            # Only what Enter changed: a default session exists only if its Connect succeeded.
            if ($Setup.Session) { Disconnect-OaiService }
            if ($Setup.Emulator) { $Setup.Emulator | Stop-OaiTestEmulator }
        }
        finally {
            $env:PSASSISTANTS_ASSISTANT_STORE = $Setup.SavedStore
        }
    }
}

#endregion

Export-ModuleMember -Function @(
    'Get-OaiTestRepoRoot', 'Get-OaiTestModulePath', 'Get-OaiTestEmulatorPath', 'Get-OaiTestPackagePath',
    'Get-OaiTestPwshCommand', 'Invoke-OaiTestPwsh', 'Import-OaiTestModule',
    'Start-OaiTestEmulator', 'Stop-OaiTestEmulator', 'Reset-OaiTestEmulator', 'Set-OaiTestEmulatorConfig',
    'Get-OaiTestRequest', 'Clear-OaiTestRequest', 'Set-OaiTestFault', 'Clear-OaiTestFault', 'Invoke-OaiTestControl',
    'Enter-OaiTestProtocol', 'Exit-OaiTestProtocol'
)
