#Requires -Version 7.4
<#
.SYNOPSIS
    The wire check's plumbing: Prism (tools/prism, pinned by its package-lock.json) in proxy mode in front of
    the emulator, a tap in front of Prism that records each violation's details, and the reading of Prism's
    log into failures.

.DESCRIPTION
    build.ps1 uses it as:

        $wire = Start-OaiWireCheck -EmulatorPath ... -OpenApiPath ... -LogDirectory out/test-results
        try { <run the Wire-tagged Pester tests with $wire.Environment> }
        finally { $found = Stop-OaiWireCheck $wire }     # .Failures (one per error Prism logged), .Warnings

    tests -> tap (tools/prism/tap.js) -> Prism (--errors) -> emulator. Every error Prism logs is a failure: a
    request or response that violates the OpenAPI description, an unknown path, missing auth. Warnings (say,
    a status code the description does not list) are not.
#>

Set-StrictMode -Version 3.0

$script:PrismDir = Join-Path $PSScriptRoot 'prism'
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/TestHelpers.psm1')

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Test-TcpPort([int] $Port) {
    $client = [System.Net.Sockets.TcpClient]::new()
    try { $client.ConnectAsync([System.Net.IPAddress]::Loopback, $Port).Wait(500) -and $client.Connected }
    catch { $false }
    finally { $client.Dispose() }
}

function Start-NodeProcess {
    <# Starts 'node <arguments>' with its output collected in memory, written to LogPath by Stop-NodeProcess. #>
    param([Parameter(Mandatory)] [string[]] $Arguments, [Parameter(Mandatory)] [int] $Port, [Parameter(Mandatory)] [string] $LogPath)
    $node = Get-Command node -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $node) { throw 'node is not on PATH: the wire check needs Node.js to run Prism.' }
    $psi = [System.Diagnostics.ProcessStartInfo]::new($node.Source)
    foreach ($arg in $Arguments) { $psi.ArgumentList.Add($arg) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.Environment['NO_COLOR'] = '1'
    $psi.Environment['FORCE_COLOR'] = '0'
    $process = [System.Diagnostics.Process]::Start($psi)
    [pscustomobject]@{
        Name       = [IO.Path]::GetFileName($Arguments[0])
        Process    = $process
        Port       = $Port
        LogPath    = $LogPath
        OutputTask = $process.StandardOutput.ReadToEndAsync()
        ErrorTask  = $process.StandardError.ReadToEndAsync()
    }
}

function Stop-NodeProcess([object] $Node) {
    if (-not $Node) { return }
    try {
        if (-not $Node.Process.HasExited) { $Node.Process.Kill($true) }
        $null = $Node.Process.WaitForExit(10000)
    }
    catch [System.InvalidOperationException] {
        # Already gone.
    }
    $out = if ($Node.OutputTask.Wait(5000)) { $Node.OutputTask.Result } else { '' }
    $err = if ($Node.ErrorTask.Wait(5000)) { $Node.ErrorTask.Result } else { '' }
    Set-Content -LiteralPath $Node.LogPath -Value ($out + $err) -Encoding utf8NoBOM
    $Node.Process.Dispose()
}

function Wait-NodeProcess([object] $Node, [int] $TimeoutSeconds = 300) {
    # Prism reads the whole OpenAPI description before it listens: over a minute on a loaded 2-core machine.
    # A TCP connect, not an HTTP request: any request Prism cannot route would be logged as an error.
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($Node.Process.HasExited) { throw "$($Node.Name) exited (code $($Node.Process.ExitCode)) before listening on port $($Node.Port)." }
        if (Test-TcpPort $Node.Port) { return }
        Start-Sleep -Milliseconds 250
    }
    throw "$($Node.Name) did not listen on port $($Node.Port) within $TimeoutSeconds s."
}

function Get-PrismCliPath {
    <#
    .SYNOPSIS
        The Prism CLI script; installs it with 'npm ci' from tools/prism/package-lock.json when it is missing.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()
    $cli = Join-Path $script:PrismDir 'node_modules/@stoplight/prism-cli'
    if (-not (Test-Path $cli)) {
        if (-not (Get-Command npm -CommandType Application -ErrorAction Ignore)) {
            throw 'Prism is not installed (tools/prism/node_modules) and npm is not on PATH: install Node.js (with npm), or run without -WireCheck to skip the Prism pass.'
        }
        Write-Host '  npm ci --prefix tools/prism (Prism, pinned by its package-lock.json)'
        npm ci --prefix $script:PrismDir --no-audit --no-fund --loglevel=error | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "npm ci --prefix tools/prism failed (exit code $LASTEXITCODE)." }
    }
    $package = Get-Content -Raw (Join-Path $cli 'package.json') | ConvertFrom-Json
    $bin = if ($package.bin -is [string]) { $package.bin } else { $package.bin.prism }
    Join-Path $cli $bin
}

function Get-PrismViolation {
    <#
    .SYNOPSIS
        Reads Prism's log into failures (Name, Message) and warnings.
    .DESCRIPTION
        Every error Prism logs is a failure: 'Request terminated with error: ...' (with --errors: request
        violations answered 422, response violations answered 500, unknown paths, missing auth), and any
        'Violation:' logged at error level. Warnings (say, a status code the description does not list) are
        not. The details come from the tap's record of the same request.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $LogPath, [string] $TapLogPath)
    $lines = @(Get-Content -LiteralPath $LogPath | ForEach-Object { $_ -replace '\x1b\[[0-9;]*m', '' })
    $errors = @($lines | Where-Object { $_ -match 'Request terminated with error:' -or ($_ -match 'Violation:' -and $_ -match '\berror\b') })
    $warnings = @($lines | Where-Object { $_ -match 'Violation:' -and $_ -match '\bwarning\b' })
    $tapped = [System.Collections.Generic.List[object]]::new()
    if ($TapLogPath -and (Test-Path $TapLogPath)) {
        foreach ($json in (Get-Content -LiteralPath $TapLogPath)) { if ($json.Trim()) { $tapped.Add(($json | ConvertFrom-Json)) } }
    }
    $failures = foreach ($line in $errors) {
        $name = 'Prism'
        $message = ($line -replace '^\[[^\]]*\]\s*›\s*', '').Trim()
        if ($line -match '\[HTTP SERVER\] (?<method>\w+) (?<path>\S+) .*Request terminated with error: \S+#(?<kind>\w+): (?<title>.*)$') {
            $method = $Matches.method.ToUpperInvariant(); $path = $Matches.path
            $name = "$method $path"
            $message = "$($Matches.kind): $($Matches.title)"
            $match = $tapped | Where-Object { $_.method -eq $method -and ($_.url -split '\?')[0] -eq $path } | Select-Object -First 1
            if ($match) {
                $null = $tapped.Remove($match)
                foreach ($violation in @($match.violations)) {
                    $where = if ($violation.PSObject.Properties['location'] -and $violation.location) { (@($violation.location) -join '.') + ': ' } else { '' }
                    $message += "`n$where$($violation.message)"
                }
            }
        }
        [pscustomobject]@{ Name = $name; Message = $message }
    }
    [pscustomobject]@{ Failures = @($failures); Warnings = $warnings }
}

function Start-OaiWireCheck {
    <#
    .SYNOPSIS
        Starts the emulator, Prism in front of it and the tap in front of Prism; returns a handle for
        Stop-OaiWireCheck whose Environment holds the variables the Wire-tagged Pester tests need.
    .DESCRIPTION
        On failure everything already started is stopped again before the error is thrown.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $EmulatorPath,
        [Parameter(Mandatory)] [string] $OpenApiPath,
        [Parameter(Mandatory)] [string] $LogDirectory
    )
    $wire = [pscustomobject]@{
        Emulator    = $null
        Prism       = $null
        Tap         = $null
        PrismLog    = Join-Path $LogDirectory 'prism.log'
        TapLog      = Join-Path $LogDirectory 'prism-violations.jsonl'
        Environment = @{}
    }
    Remove-Item -LiteralPath $wire.PrismLog, $wire.TapLog -ErrorAction Ignore
    try {
        if (-not (Test-Path $OpenApiPath)) { throw "The OpenAPI description is not at '$OpenApiPath' (../shared/openapi relative to the repo)." }
        $prismCli = Get-PrismCliPath
        $wire.Emulator = Start-OaiTestEmulator -Local -Path $EmulatorPath -LogPath (Join-Path $LogDirectory 'wire-emulator.log')
        $prismPort = Get-FreeTcpPort
        $wire.Prism = Start-NodeProcess -Port $prismPort -LogPath $wire.PrismLog -Arguments @(
            $prismCli, 'proxy', (Resolve-Path $OpenApiPath).ProviderPath, $wire.Emulator.ControlUri, '-p', "$prismPort", '-h', '127.0.0.1', '--errors')
        $tapPort = Get-FreeTcpPort
        $wire.Tap = Start-NodeProcess -Port $tapPort -LogPath (Join-Path $LogDirectory 'tap.log') -Arguments @(
            (Join-Path $script:PrismDir 'tap.js'), "$tapPort", "$prismPort", $wire.TapLog)
        Write-Host "  emulator $($wire.Emulator.ControlUri) <- Prism :$prismPort <- tap :$tapPort <- tests (Prism is starting...)"
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Wait-NodeProcess $wire.Prism
        Wait-NodeProcess $wire.Tap
        Write-Host "  Prism listening after $([Math]::Round($clock.Elapsed.TotalSeconds, 1)) s"
        # Prism cannot read server-sent events, so the wire pass checks the JSON (polling) path; the streamed
        # path is checked by Streaming.Tests against the emulator.
        $wire.Environment = @{
            PSASSISTANTS_TEST_BASEURI      = "http://127.0.0.1:$tapPort"
            PSASSISTANTS_TEST_EMULATOR_URI = $wire.Emulator.ControlUri
            PSASSISTANTS_STREAMING         = 'off'
        }
        $wire
    }
    catch {
        $null = Stop-OaiWireCheck $wire
        throw
    }
}

function Stop-OaiWireCheck {
    <#
    .SYNOPSIS
        Stops what Start-OaiWireCheck started and returns what Prism found (Get-PrismViolation), or nothing
        when Prism never ran.
    #>
    [CmdletBinding()]
    param([object] $Wire)
    if (-not $Wire) { return }
    Stop-NodeProcess $Wire.Tap
    Stop-NodeProcess $Wire.Prism
    if ($Wire.Emulator) { Stop-OaiTestEmulator $Wire.Emulator }
    if ($Wire.Prism -and (Test-Path $Wire.PrismLog)) {
        Get-PrismViolation -LogPath $Wire.PrismLog -TapLogPath $Wire.TapLog
    }
}

Export-ModuleMember -Function Start-OaiWireCheck, Stop-OaiWireCheck, Get-PrismViolation, Get-PrismCliPath
