#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, documents and tests PSAssistants.

.DESCRIPTION
    Tasks (run in the order given; each runs at most once):

      Clean  removes out/ and the bin/ and obj/ folders under src/, tests/ and tools/ReadyToRun/.
      Build  builds the module and the emulator, precompiles the module (ReadyToRun, tools/ReadyToRun), lays
             out an importable module in out/PSAssistants/ from an allow-list, copies the emulator to
             out/emulator/, runs Docs, then checks the manifest (Test-ModuleManifest, version =
             Directory.Build.props) and imports it in a fresh pwsh.
      Docs   compiles docs/en-US/*.md (platyPS markdown) into out/PSAssistants/en-US/PSAssistants.dll-Help.xml
             and about_*.help.txt with tools/ConvertTo-MamlHelp.ps1, always (platyPS is never used, so the
             shipped help is the same on every machine).
      Package Build, then writes out/package/PSAssistants.<version>.nupkg with Publish-PSResource to a
             temporary folder repository (tools/Release.psm1): the module folder without its .pdb.
      Test   Build and Package, then xunit, then Pester in a child pwsh (Package.Tests installs the .nupkg),
             then (with -WireCheck or $env:CI = 'true') the Pester tests tagged Wire through Prism
             (tools/WireCheck.psm1; installed with npm ci from tools/prism/package-lock.json when missing),
             which validates every request and response against the OpenAPI description
             (../shared/openapi/openai-openapi.yaml); every error Prism logs is a failure.
             Results go to out/test-results/. Ends with one line 'Total: N passed, N failed, N skipped', the
             last line printed; a stage that could not run counts as one failure.

             Child pwsh environment: PSASSISTANTS_MODULE_PATH (out/PSAssistants), PSASSISTANTS_EMULATOR_DLL
             (out/emulator/PSAssistants.Emulator.dll); in the wire pass also PSASSISTANTS_TEST_BASEURI (the
             tap in front of Prism, no /v1) and PSASSISTANTS_TEST_EMULATOR_URI (the emulator's root, for the
             control endpoints). See tests/Pester/TestHelpers.psm1.
      Surface Build, then rewrites tests/Pester/PublicSurface.txt from the built module (tools/PublicSurface.psm1)
             and prints what changed: the deliberate way to change the pinned public surface (commands,
             parameter sets, positions, pipeline binding, aliases, validation, defaults) that
             PublicSurface.Tests compares with. Commit the new file with the change, and say why.
      Demo   Build, then runs examples/MathTutor.ps1 in a child pwsh, against the emulator unless
             $env:OPENAI_API_KEY is set.
      Bench  Build, then bench/RawClient, then bench/Bench.ps1 in a child pwsh: import time, per-call overhead
             against raw HttpClient and Invoke-RestMethod, wait latency, large lists, the Math Tutor scenario
             beside PSOpenAI (-PeerPath), cold start, allocation per call; prints each figure with its ratio and
             target and writes bench/results.md. -Long adds 60 s runs; -BenchSection runs some sections only
             and keeps the others' figures in bench/results.md. Not part of Test or CI.

.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Test -WireCheck
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Package', 'Test', 'Demo', 'Docs', 'Clean', 'Bench', 'Surface')]
    [string[]] $Task = 'Build',

    [string] $Configuration = 'Release',

    # Also run the Wire-tagged Pester tests through Prism (always on when $env:CI is 'true').
    [switch] $WireCheck,

    # For the Bench task: a PSOpenAI source folder to compare against (the peer is skipped without it).
    [string] $PeerPath,

    # For the Bench task: also wait for 60 s runs.
    [switch] $Long,

    # For the Bench task: only these sections of bench/Bench.ps1 (the others are kept from bench/results.md).
    [ValidateSet('Import', 'PerCall', 'Wait', 'Lists', 'Peer', 'Cold', 'Alloc')]
    [string[]] $BenchSection
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# Native exit codes are checked explicitly, so a failing 'dotnet test' can still be counted and reported.
$PSNativeCommandUseErrorActionPreference = $false

$RepoRoot = $PSScriptRoot
$OutDir = Join-Path $RepoRoot 'out'
$ModuleOut = Join-Path $OutDir 'PSAssistants'
$EmulatorOut = Join-Path $OutDir 'emulator'
$ResultsDir = Join-Path $OutDir 'test-results'
$PackageOut = Join-Path $OutDir 'package'
$ModuleProject = Join-Path $RepoRoot 'src/PSAssistants/PSAssistants.csproj'
$EmulatorProject = Join-Path $RepoRoot 'tests/PSAssistants.Emulator/PSAssistants.Emulator.csproj'
$ReadyToRunProject = Join-Path $RepoRoot 'tools/ReadyToRun/ReadyToRun.csproj'
$TestProject = Join-Path $RepoRoot 'tests/PSAssistants.Tests/PSAssistants.Tests.csproj'
$PesterDir = Join-Path $RepoRoot 'tests/Pester'
$DocsDir = Join-Path $RepoRoot 'docs/en-US'
$RootManifest = Join-Path $RepoRoot 'PSAssistants.psd1'
$OpenApiPath = Join-Path $RepoRoot '../shared/openapi/openai-openapi.yaml'

Import-Module (Join-Path $PesterDir 'TestHelpers.psm1') -Force
Import-Module (Join-Path $RepoRoot 'tools/WireCheck.psm1') -Force
Import-Module (Join-Path $RepoRoot 'tools/Release.psm1') -Force
Import-Module (Join-Path $RepoRoot 'tools/PublicSurface.psm1') -Force

$script:Done = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
$script:Stages = [System.Collections.Generic.List[object]]::new()

#region Helpers

function Write-Step([string] $Text) {
    Write-Host ''
    Write-Host "==> $Text" -ForegroundColor Cyan
}

function Invoke-Native {
    <# Runs a native command, streaming its output, and throws when it exits non-zero. #>
    param(
        [Parameter(Mandatory)] [string] $What,
        [Parameter(Mandatory)] [scriptblock] $Command
    )
    & $Command | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)." }
}

function Invoke-ChildPwsh {
    <#
    .SYNOPSIS
        Runs a script file in a fresh 'pwsh -NoProfile', output straight to the console; returns the exit code.
    .PARAMETER Environment
        Variables for the child only.
    #>
    param(
        [Parameter(Mandatory)] [string] $File,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{}
    )
    $pwsh = Get-OaiTestPwshCommand
    $exe = $pwsh[0]
    $prefix = @($pwsh | Select-Object -Skip 1)
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $Environment[$name])
    }
    try {
        & $exe @prefix -NoProfile -NonInteractive -File $File @ArgumentList | Out-Host
        $LASTEXITCODE
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

function Get-ProjectVersion {
    $props = [xml](Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props'))
    $node = $props.SelectSingleNode('/Project/PropertyGroup/Version')
    if (-not $node -or -not $node.InnerText.Trim()) { throw 'Directory.Build.props has no <Version>.' }
    $node.InnerText.Trim()
}

function Get-TargetFramework([string] $ProjectPath) {
    $project = [xml](Get-Content -Raw $ProjectPath)
    $node = $project.SelectSingleNode('/Project/PropertyGroup/TargetFramework')
    if (-not $node) { throw "$ProjectPath has no single <TargetFramework>." }
    $node.InnerText.Trim()
}

function Add-Stage {
    param(
        [Parameter(Mandatory)] [string] $Name,
        [int] $Passed = 0,
        [int] $Failed = 0,
        [int] $Skipped = 0,
        [double] $Seconds = 0,
        [string] $ErrorMessage,
        [string] $Note,
        [object[]] $Failures = @()
    )
    $stage = [pscustomobject]@{
        Name     = $Name
        Passed   = $Passed
        Failed   = $Failed
        Skipped  = $Skipped
        Seconds  = $Seconds
        Error    = $ErrorMessage
        Note     = $Note
        Failures = @($Failures)
    }
    $script:Stages.Add($stage)
}

function Format-ErrorRecord([System.Management.Automation.ErrorRecord] $Record) {
    # A 'throw "text"' of this script explains itself; any other error also gets where it happened.
    $message = $Record.Exception.Message
    if ($Record.FullyQualifiedErrorId -ne $message -and $Record.InvocationInfo) {
        $message += "`n$($Record.InvocationInfo.PositionMessage)"
    }
    $message
}

#endregion

#region Clean

function Invoke-CleanTask {
    if (-not $script:Done.Add('Clean')) { return }
    Write-Step 'Clean'
    $targets = @($OutDir) + @(
        foreach ($root in 'src', 'tests', 'tools/ReadyToRun') {
            Get-ChildItem -Path (Join-Path $RepoRoot $root) -Directory -Recurse -Include 'bin', 'obj' -ErrorAction Ignore |
                Where-Object { $_.FullName -notmatch '[\\/]node_modules[\\/]' } |
                ForEach-Object FullName
        })
    foreach ($target in $targets) {
        if (Test-Path $target) {
            Remove-Item -LiteralPath $target -Recurse -Force
            Write-Host "  removed $([IO.Path]::GetRelativePath($RepoRoot, $target))"
        }
    }
}

#endregion

#region Build

function Invoke-BuildTask {
    if (-not $script:Done.Add('Build')) { return }
    Write-Step "Build ($Configuration)"

    $version = Get-ProjectVersion
    $manifestData = Import-PowerShellDataFile -LiteralPath $RootManifest
    if ($manifestData.ModuleVersion -ne $version) {
        throw "PSAssistants.psd1 has ModuleVersion '$($manifestData.ModuleVersion)' but Directory.Build.props has Version '$version': make them equal."
    }

    Invoke-Native 'Building src/PSAssistants' { dotnet build $ModuleProject -c $Configuration --nologo -v minimal }
    Invoke-Native 'Building the emulator' { dotnet build $EmulatorProject -c $Configuration --nologo -v minimal }

    $moduleBin = Join-Path (Split-Path $ModuleProject) "bin/$Configuration/$(Get-TargetFramework $ModuleProject)"
    $emulatorBin = Join-Path (Split-Path $EmulatorProject) "bin/$Configuration/$(Get-TargetFramework $EmulatorProject)"

    # The module folder is laid out from an allow-list, so nothing stray (deps.json, xml docs, the
    # PowerShellStandard reference assembly) is shipped by accident.
    if (Test-Path $ModuleOut) { Remove-Item -LiteralPath $ModuleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleOut
    Copy-Item -LiteralPath (Join-Path $RepoRoot 'LICENSE') -Destination $ModuleOut
    # The manifest's ReleaseNotes are the CHANGELOG.md section of this version; the build fails without one.
    $notes = Get-ChangelogSection -Path (Join-Path $RepoRoot 'CHANGELOG.md') -Version $version
    Copy-ManifestWithReleaseNotes -Path $RootManifest -Destination (Join-Path $ModuleOut 'PSAssistants.psd1') -Text $notes
    # The shipped dll is the IL assembly plus ReadyToRun code for .NET 10 on linux-x64 (tools/ReadyToRun says why):
    # a fresh process then JIT-compiles far less on its first call; everywhere else the IL is used as before.
    $ilAssembly = Join-Path $moduleBin 'PSAssistants.dll'
    $r2rOut = Join-Path $OutDir 'r2r'
    Invoke-Native 'Precompiling PSAssistants.dll (tools/ReadyToRun)' {
        dotnet publish $ReadyToRunProject -c $Configuration --nologo -v minimal "-p:ModuleAssembly=$ilAssembly" -o $r2rOut
    }
    Copy-Item -LiteralPath (Join-Path $r2rOut 'PSAssistants.dll') -Destination $ModuleOut
    # Inbox from .NET 9 on; PowerShell 7.4 (.NET 8) loads it from the module folder.
    Copy-Item -LiteralPath (Join-Path $moduleBin 'System.Net.ServerSentEvents.dll') -Destination $ModuleOut
    $pdb = Join-Path $moduleBin 'PSAssistants.pdb'
    if (Test-Path $pdb) { Copy-Item -LiteralPath $pdb -Destination $ModuleOut }

    $formatSource = Join-Path (Split-Path $ModuleProject) 'PSAssistants.format.ps1xml'
    $formatTarget = Join-Path $ModuleOut 'PSAssistants.format.ps1xml'
    if (Test-Path $formatSource) {
        Copy-Item -LiteralPath $formatSource -Destination $formatTarget
    }
    else {
        # The manifest names the format file, and Import-Module fails if it is missing: until
        # src/PSAssistants/PSAssistants.format.ps1xml exists, ship an empty one.
        Write-Warning 'src/PSAssistants/PSAssistants.format.ps1xml does not exist yet: writing an empty format file.'
        Set-Content -LiteralPath $formatTarget -Encoding utf8NoBOM -Value @'
<?xml version="1.0" encoding="utf-8"?>
<Configuration>
  <ViewDefinitions />
</Configuration>
'@
    }

    if (Test-Path $EmulatorOut) { Remove-Item -LiteralPath $EmulatorOut -Recurse -Force }
    Copy-Item -Path $emulatorBin -Destination $EmulatorOut -Recurse

    Invoke-DocsTask

    Assert-BuiltModule -Version $version
}

function Assert-BuiltModule([string] $Version) {
    # In a child pwsh, so this process never loads (or, on Windows, locks) the dll it just copied.
    $manifest = Join-Path $ModuleOut 'PSAssistants.psd1'
    $check = @"
`$ErrorActionPreference = 'Stop'
`$info = Test-ModuleManifest -Path '$($manifest -replace "'", "''")'
`$clock = [Diagnostics.Stopwatch]::StartNew()
`$module = Import-Module '$($ModuleOut -replace "'", "''")' -PassThru
`$clock.Stop()
[pscustomobject]@{
    Version  = `$info.Version.ToString()
    Declared = @(`$info.ExportedCmdlets.Keys)
    Exported = @(`$module.ExportedCmdlets.Keys)
    ImportMs = `$clock.ElapsedMilliseconds
} | ConvertTo-Json -Compress
"@
    $result = Invoke-OaiTestPwsh -Command $check
    if ($result.ExitCode -ne 0) {
        throw "The built module does not pass Test-ModuleManifest and Import-Module in a fresh pwsh:`n  $($result.Output -join "`n  ")"
    }
    $info = $result.Output[-1] | ConvertFrom-Json
    if ($info.Version -ne $Version) {
        throw "The built manifest has version $($info.Version), Directory.Build.props has $Version."
    }
    $missing = @($info.Declared | Where-Object { $_ -notin $info.Exported })
    $rel = [IO.Path]::GetRelativePath($RepoRoot, $ModuleOut)
    Write-Host "  $rel $($info.Version): manifest OK; imports in a fresh pwsh in $($info.ImportMs) ms; exports $(@($info.Exported).Count) of $(@($info.Declared).Count) declared cmdlets"
    if ($missing.Count -gt 0) {
        Write-Warning "Declared in CmdletsToExport but not in the dll: $($missing -join ', ')"
    }
    Write-Host "  $([IO.Path]::GetRelativePath($RepoRoot, $EmulatorOut))/PSAssistants.Emulator.dll"
}

function Invoke-PackageTask {
    if (-not $script:Done.Add('Package')) { return }
    Invoke-BuildTask
    Write-Step 'Package'
    if (Test-Path $PackageOut) { Remove-Item -LiteralPath $PackageOut -Recurse -Force }
    # Not out/PSAssistants itself: it keeps the .pdb for local debugging, the package does not.
    $package = New-ModulePackage -ModulePath $ModuleOut -OutputPath $PackageOut -Exclude '*.pdb'
    Write-Host "  $([IO.Path]::GetRelativePath($RepoRoot, $package.FullName)) ($([Math]::Round($package.Length / 1KB)) KB, Publish-PSResource to a folder repository)"
}

#endregion

#region Docs

function Invoke-DocsTask {
    if (-not $script:Done.Add('Docs')) { return }
    Write-Step 'Docs'
    $pages = @(Get-ChildItem -Path $DocsDir -Filter '*.md' -File -ErrorAction Ignore)
    if ($pages.Count -eq 0) {
        Write-Host '  docs/en-US has no pages yet: no external help to build.'
        return
    }
    $helpOut = Join-Path $ModuleOut 'en-US'
    $null = New-Item -ItemType Directory -Path $helpOut -Force
    # Always the project's own converter, never platyPS even where it is installed: the shipped help is then
    # the same bytes on every machine (Help.Tests compares out/ with a fresh conversion).
    $files = & (Join-Path $RepoRoot 'tools/ConvertTo-MamlHelp.ps1') -Path $DocsDir -OutputPath $helpOut
    foreach ($file in @($files)) {
        Write-Host "  $([IO.Path]::GetRelativePath($RepoRoot, $file.FullName)) from $($pages.Count) page(s)"
    }
}

#endregion

#region Test

function Get-PesterManifestPath {
    # The version comes from the PackageDownload in the test project, so it is pinned in one place.
    $project = [xml](Get-Content -Raw $TestProject)
    $node = $project.SelectSingleNode("//PackageDownload[@Include='Pester']")
    if (-not $node) { throw "$TestProject has no <PackageDownload Include=""Pester"" />." }
    $version = $node.GetAttribute('Version').Trim('[', ']', ' ')
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $path = Join-Path $packages "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $path)) {
        Invoke-Native 'Restoring the test project (downloads Pester)' { dotnet restore $TestProject --nologo }
    }
    if (-not (Test-Path $path)) { throw "Pester $version is not at '$path' even after restoring $TestProject." }
    $path
}

function Invoke-XunitStage {
    Write-Step 'Test: xunit'
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $trx = Join-Path $ResultsDir 'xunit.trx'
    Remove-Item -LiteralPath $trx -ErrorAction Ignore
    dotnet test $TestProject -c $Configuration --nologo --logger 'trx;LogFileName=xunit.trx' --results-directory $ResultsDir | Out-Host
    $exitCode = $LASTEXITCODE
    $clock.Stop()
    if (-not (Test-Path $trx)) {
        Add-Stage xunit -Seconds $clock.Elapsed.TotalSeconds -ErrorMessage "dotnet test exited with code $exitCode and wrote no TRX file (did the test project build?)."
        return
    }
    $run = ([xml](Get-Content -Raw $trx)).TestRun
    $counters = $run.ResultSummary.Counters
    $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    $skipped = [int]$counters.total - [int]$counters.executed
    $failures = @()
    if ($run.PSObject.Properties['Results'] -and $run.Results) {
        $failures = @($run.Results.ChildNodes | Where-Object { $_.LocalName -eq 'UnitTestResult' -and $_.outcome -eq 'Failed' } | ForEach-Object {
                $message = $_.SelectSingleNode('*[local-name()="Output"]/*[local-name()="ErrorInfo"]/*[local-name()="Message"]')
                [pscustomobject]@{ Name = $_.testName; Message = if ($message) { $message.InnerText } else { '' } }
            })
    }
    $errorMessage = $null
    if ($exitCode -ne 0 -and $failed -eq 0) { $errorMessage = "dotnet test exited with code $exitCode although no test failed." }
    Add-Stage xunit -Passed ([int]$counters.passed) -Failed $failed -Skipped $skipped -Seconds $clock.Elapsed.TotalSeconds -ErrorMessage $errorMessage -Failures $failures
}

function Invoke-PesterStage {
    param(
        [Parameter(Mandatory)] [string] $Name,
        [string] $Tag,
        [hashtable] $Environment = @{}
    )
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $summaryPath = Join-Path $ResultsDir "$Name.json"
    Remove-Item -LiteralPath $summaryPath -ErrorAction Ignore
    $arguments = @(
        '-PesterPath', (Get-PesterManifestPath)
        '-Path', $PesterDir
        '-SummaryPath', $summaryPath
        '-TestResultPath', (Join-Path $ResultsDir "$Name.junit.xml")
    )
    if ($Tag) { $arguments += @('-Tag', $Tag) }
    $childEnv = @{
        PSASSISTANTS_MODULE_PATH   = (Resolve-Path $ModuleOut).ProviderPath
        PSASSISTANTS_EMULATOR_DLL  = Join-Path (Resolve-Path $EmulatorOut).ProviderPath 'PSAssistants.Emulator.dll'
        PSASSISTANTS_PACKAGE_PATH  = Join-Path $PackageOut "PSAssistants.$(Get-ProjectVersion).nupkg"
    } + $Environment
    $exitCode = Invoke-ChildPwsh -File (Join-Path $RepoRoot 'tools/Invoke-PesterRun.ps1') -ArgumentList $arguments -Environment $childEnv
    $clock.Stop()
    if (-not (Test-Path $summaryPath)) {
        Add-Stage $Name -Seconds $clock.Elapsed.TotalSeconds -ErrorMessage "The Pester child process exited with code $exitCode and wrote no summary."
        return
    }
    $summary = Get-Content -Raw $summaryPath | ConvertFrom-Json
    Add-Stage $Name -Passed $summary.Passed -Failed $summary.Failed -Skipped $summary.Skipped -Seconds $clock.Elapsed.TotalSeconds -Failures @($summary.Failures)
}

function Invoke-WireStage {
    Write-Step 'Test: wire check (Wire-tagged Pester tests through Prism; tools/WireCheck.psm1)'
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $wire = $null
    $found = $null
    try {
        $wire = Start-OaiWireCheck -EmulatorPath (Join-Path $EmulatorOut 'PSAssistants.Emulator.dll') -OpenApiPath $OpenApiPath -LogDirectory $ResultsDir
        Invoke-PesterStage -Name wire -Tag Wire -Environment $wire.Environment
    }
    catch {
        Add-Stage wire -Seconds $clock.Elapsed.TotalSeconds -ErrorMessage (Format-ErrorRecord $_)
    }
    finally {
        $found = Stop-OaiWireCheck $wire
    }
    # The wire stage's time includes starting Prism and the emulator.
    $script:Stages[$script:Stages.Count - 1].Seconds = $clock.Elapsed.TotalSeconds
    if ($found) {
        $note = "$($found.Warnings.Count) warning(s); log: $([IO.Path]::GetRelativePath($RepoRoot, $wire.PrismLog))"
        Add-Stage prism -Failed $found.Failures.Count -Failures $found.Failures -Note $note
    }
}

function Write-StageFailures {
    foreach ($stage in $script:Stages) {
        $failures = @($stage.Failures)
        if ($failures.Count -eq 0 -and -not $stage.Error) { continue }
        Write-Host ''
        Write-Host "Failures in $($stage.Name):" -ForegroundColor Red
        if ($stage.Error) { Write-Host "  ERROR: $($stage.Error)" -ForegroundColor Red }
        foreach ($failure in $failures) {
            Write-Host "  [-] $($failure.Name)" -ForegroundColor Red
            foreach ($line in @("$($failure.Message)" -split "`r?`n" | Where-Object { $_.Trim() } | Select-Object -First 6)) {
                Write-Host "      $line"
            }
        }
    }
}

function Write-TestSummary {
    <# The per-stage table, then the Total line, which must be the last line this script prints. #>
    Write-StageFailures
    Write-Host ''
    Write-Host 'Summary'
    Write-Host ('  {0,-8} {1,7} {2,7} {3,8} {4,9}' -f 'stage', 'passed', 'failed', 'skipped', 'seconds')
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($stage in $script:Stages) {
        # A stage that could not run counts as one failure, so the Total line agrees with the exit code.
        $stageFailed = $stage.Failed + [int][bool]$stage.Error
        $passed += $stage.Passed; $failed += $stageFailed; $skipped += $stage.Skipped
        $line = '  {0,-8} {1,7} {2,7} {3,8} {4,9:N1}' -f $stage.Name, $stage.Passed, $stageFailed, $stage.Skipped, $stage.Seconds
        if ($stage.Error) { $line += '  (could not run)' }
        elseif ($stage.Note) { $line += "  ($($stage.Note))" }
        Write-Host $line
    }
    [pscustomobject]@{ Passed = $passed; Failed = $failed; Skipped = $skipped }
}

function Invoke-TestTask {
    if (-not $script:Done.Add('Test')) { return }
    $wire = $WireCheck -or $env:CI -eq 'true'
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $built = $false
    try {
        Invoke-BuildTask
        $built = $true
    }
    catch {
        Add-Stage build -Seconds $clock.Elapsed.TotalSeconds -ErrorMessage (Format-ErrorRecord $_)
    }
    if ($built) {
        Add-Stage build -Seconds $clock.Elapsed.TotalSeconds
        $null = New-Item -ItemType Directory -Path $ResultsDir -Force
        foreach ($stage in @(
                # The package test (tests/Pester/Package.Tests.ps1) installs this .nupkg; without it, it fails.
                @{ Name = 'package'; Run = { Invoke-PackageTask } }
                @{ Name = 'xunit'; Run = { Invoke-XunitStage } }
                @{ Name = 'pester'; Run = { Write-Step 'Test: Pester (child pwsh)'; Invoke-PesterStage -Name pester } }
                @{ Name = 'wire'; Run = { Invoke-WireStage }; When = $wire })) {
            if ($stage.ContainsKey('When') -and -not $stage.When) { continue }
            $stageClock = [Diagnostics.Stopwatch]::StartNew()
            try { & $stage.Run }
            catch { Add-Stage $stage.Name -Seconds $stageClock.Elapsed.TotalSeconds -ErrorMessage (Format-ErrorRecord $_) }
        }
        if (-not $wire) {
            Write-Host ''
            Write-Host 'Wire check (Prism) skipped: add -WireCheck to run it (needs Node.js and npm; Prism is installed from tools/prism/package-lock.json). CI always runs it.'
        }
    }
    $script:TestTotals = $true
}

#endregion

#region Surface

function Invoke-SurfaceTask {
    if (-not $script:Done.Add('Surface')) { return }
    Invoke-BuildTask
    Write-Step 'Surface: tests/Pester/PublicSurface.txt'
    $diff = @(Update-OaiPublicSurface -ModulePath $ModuleOut -Path (Join-Path $PesterDir 'PublicSurface.txt'))
    if ($diff.Count) { $diff | Out-Host } else { Write-Host '  unchanged' }
}

#endregion

#region Demo and Bench

function Invoke-DemoTask {
    if (-not $script:Done.Add('Demo')) { return }
    Invoke-BuildTask
    Write-Step 'Demo: examples/MathTutor.ps1'
    $demoScript = Join-Path $RepoRoot 'examples/MathTutor.ps1'
    if (-not (Test-Path $demoScript)) { throw "The demo script '$demoScript' does not exist yet." }
    $childEnv = @{ PSASSISTANTS_MODULE_PATH = (Resolve-Path $ModuleOut).ProviderPath }
    $emulator = $null
    try {
        if (-not $env:OPENAI_API_KEY) {
            $emulator = Start-OaiTestEmulator -Local -Path (Join-Path $EmulatorOut 'PSAssistants.Emulator.dll')
            Write-Host "  OPENAI_API_KEY is not set: using the emulator at $($emulator.BaseUri)"
            $childEnv.OPENAI_BASE_URL = $emulator.BaseUri
            $childEnv.OPENAI_API_KEY = 'sk-emulator-demo'
        }
        $exitCode = Invoke-ChildPwsh -File $demoScript -Environment $childEnv
        if ($exitCode -ne 0) { throw "examples/MathTutor.ps1 exited with code $exitCode." }
    }
    finally {
        if ($emulator) { Stop-OaiTestEmulator $emulator }
    }
}

function Invoke-BenchTask {
    if (-not $script:Done.Add('Bench')) { return }
    Invoke-BuildTask
    Write-Step 'Bench: bench/RawClient'
    $rawProject = Join-Path $RepoRoot 'bench/RawClient/RawClient.csproj'
    Invoke-Native 'Building bench/RawClient' { dotnet build $rawProject -c Release --nologo -v minimal }
    Write-Step 'Bench: bench/Bench.ps1 (child pwsh)'
    $arguments = @('-RawClientPath', (Join-Path $RepoRoot 'bench/RawClient/bin/Release/net10.0/RawClient.dll'))
    if ($PeerPath) { $arguments += @('-PeerPath', (Resolve-Path $PeerPath).ProviderPath) }
    if ($Long) { $arguments += '-Long' }
    if ($BenchSection) { $arguments += @('-Section', ($BenchSection -join ',')) }
    $exitCode = Invoke-ChildPwsh -File (Join-Path $RepoRoot 'bench/Bench.ps1') -ArgumentList $arguments -Environment @{
        PSASSISTANTS_MODULE_PATH  = (Resolve-Path $ModuleOut).ProviderPath
        PSASSISTANTS_EMULATOR_DLL = (Join-Path $EmulatorOut 'PSAssistants.Emulator.dll')
    }
    if ($exitCode -ne 0) { throw "bench/Bench.ps1 exited with code $exitCode." }
}

#endregion

$exitCode = 0
$totalClock = [Diagnostics.Stopwatch]::StartNew()
$script:TestTotals = $false
try {
    Push-Location $RepoRoot
    foreach ($name in $Task) {
        switch ($name) {
            'Clean' { Invoke-CleanTask }
            'Build' { Invoke-BuildTask }
            'Package' { Invoke-PackageTask }
            'Docs' { Invoke-DocsTask }
            'Test' { Invoke-TestTask }
            'Demo' { Invoke-DemoTask }
            'Bench' { Invoke-BenchTask }
            'Surface' { Invoke-SurfaceTask }
        }
    }
}
catch {
    $exitCode = 1
    Write-Host ''
    Write-Host "build.ps1: $(Format-ErrorRecord $_)" -ForegroundColor Red
}
finally {
    Pop-Location
}

if ($script:TestTotals) {
    $totals = Write-TestSummary
    if ($totals.Failed -gt 0) { $exitCode = 1 }
    Write-Host "  (build.ps1 took $([Math]::Round($totalClock.Elapsed.TotalSeconds)) s)"
    Write-Host "Total: $($totals.Passed) passed, $($totals.Failed) failed, $($totals.Skipped) skipped"
}
else {
    Write-Host ''
    Write-Host "build.ps1: $(if ($exitCode -eq 0) { 'done' } else { 'FAILED' }) in $([Math]::Round($totalClock.Elapsed.TotalSeconds)) s"
}
exit $exitCode
