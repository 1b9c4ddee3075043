#Requires -Version 7.4
<#
.SYNOPSIS
    Runs Pester in this (child) process and writes the counts and failures to a JSON file for build.ps1.

.DESCRIPTION
    build.ps1 starts this script in a fresh pwsh so that the module dll is loaded only here, never in the
    build process, and so that Pester comes from the NuGet package folder rather than an installed module.
    The exit code is 0 whenever Pester itself ran: build.ps1 judges the run from the summary file.

.PARAMETER PesterPath
    The Pester.psd1 to import (from the PackageDownload of tests/PSAssistants.Tests).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string[]] $Path,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string[]] $Tag,
    [string[]] $ExcludeTag,
    [string] $TestResultPath,
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')] [string] $Verbosity = 'Normal'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

Import-Module $PesterPath -Force

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = $Verbosity
if ($Tag) { $config.Filter.Tag = $Tag }
if ($ExcludeTag) { $config.Filter.ExcludeTag = $ExcludeTag }
if ($TestResultPath) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'JUnitXml'
    $config.TestResult.OutputPath = $TestResultPath
}

$result = Invoke-Pester -Configuration $config

function Get-ErrorText([object[]] $ErrorRecords) {
    (@($ErrorRecords) | Where-Object { $_ } | ForEach-Object {
            $text = $_.Exception.Message
            if ($_.PSObject.Properties['ScriptStackTrace'] -and $_.ScriptStackTrace) {
                # The first frame outside Pester is the line of the test that failed.
                $at = $_.ScriptStackTrace -split "`r?`n" | Where-Object { $_ -notmatch 'Pester\.psm1' } | Select-Object -First 1
                if ($at) { $text += "`n  $at" }
            }
            $text
        }) -join "`n"
}

$failures = [System.Collections.Generic.List[object]]::new()
foreach ($test in $result.Failed) {
    $failures.Add([ordered]@{ Kind = 'test'; Name = $test.ExpandedPath; Message = Get-ErrorText $test.ErrorRecord })
}
# A failing BeforeAll/AfterAll or a file that does not even parse is a failure too, even with no test in it.
foreach ($block in $result.FailedBlocks) {
    $failures.Add([ordered]@{ Kind = 'block'; Name = $block.ExpandedPath; Message = Get-ErrorText $block.ErrorRecord })
}
foreach ($container in $result.FailedContainers) {
    $failures.Add([ordered]@{ Kind = 'file'; Name = "$($container.Item)"; Message = Get-ErrorText $container.ErrorRecord })
}

$summary = [ordered]@{
    Passed   = $result.PassedCount
    Failed   = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped  = $result.SkippedCount + $result.InconclusiveCount
    NotRun   = $result.NotRunCount
    Duration = $result.Duration.TotalSeconds
    Failures = $failures
}
$summary | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $SummaryPath -Encoding utf8NoBOM
exit 0
