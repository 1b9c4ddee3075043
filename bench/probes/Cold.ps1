#Requires -Version 7.4
<#
.SYNOPSIS
    Bench probe, run in a fresh pwsh by bench/Bench.ps1 (section Cold): the Math Tutor flow as a runbook runs
    it (the default session from OPENAI_* variables, no Connect-OaiService), Rounds times in this process.
    Round 1 is the cold one. Prints one JSON line.
.DESCRIPTION
    Each step (New-OaiAssistant, New-OaiThread, Add-OaiMessage, Start-OaiRun -Wait, Get-OaiMessage) is timed
    with a Stopwatch, with the methods the JIT compiled during it and the time the JIT spent
    (System.Runtime.JitInfo, this process only): that is where a cold run's extra time goes. Cleanup after each
    round is neither timed nor counted.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [ValidateRange(2, 20)] [int] $Rounds = 3
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$question = 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
$instructions = 'You are a personal math tutor. Write and run code to answer math questions.'
$additional = 'Please address the user as Jane Doe. The user has a premium account.'

$jit = [System.Runtime.JitInfo]
$importMethods = $jit::GetCompiledMethodCount($false)
$importWatch = [Diagnostics.Stopwatch]::StartNew()
Import-Module $ModulePath
$importMs = $importWatch.Elapsed.TotalMilliseconds
$importMethods = $jit::GetCompiledMethodCount($false) - $importMethods

$script:Step = $null
function Measure-Step([string] $Name, [scriptblock] $Body) {
    $methods = $jit::GetCompiledMethodCount($false)
    $jitTime = $jit::GetCompilationTime($false)
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $result = & $Body
    $ms = $watch.Elapsed.TotalMilliseconds
    $script:Step[$Name] = [ordered]@{
        ms      = $ms
        methods = $jit::GetCompiledMethodCount($false) - $methods
        jit_ms  = ($jit::GetCompilationTime($false) - $jitTime).TotalMilliseconds
    }
    $result
}

# The probe's own PowerShell machinery (this function, the ordered dictionaries) is exercised once before
# round 1, so that round 1's extra time is the module's and the flow's, not the probe's.
$script:Step = [ordered]@{}
$null = Measure-Step 'probe' { $null = @(1) | ForEach-Object { $_ } }

$results = foreach ($round in 1..$Rounds) {
    $script:Step = [ordered]@{}
    $total = [Diagnostics.Stopwatch]::StartNew()
    $assistant = Measure-Step 'New-OaiAssistant' {
        New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4' -Tool code_interpreter -Instructions $instructions
    }
    $thread = Measure-Step 'New-OaiThread' { New-OaiThread }
    $null = Measure-Step 'Add-OaiMessage' { $thread | Add-OaiMessage -Content $question }
    $run = Measure-Step 'Start-OaiRun -Wait' { $thread | Start-OaiRun -Assistant $assistant -Wait -AdditionalInstructions $additional }
    $messages = @(Measure-Step 'Get-OaiMessage' { $thread | Get-OaiMessage })
    $totalMs = $total.Elapsed.TotalMilliseconds
    if ($run.Status -ne 'completed') { throw "The run ended '$($run.Status)'." }
    if ($messages.Count -ne 2 -or $messages[1].Text -notmatch 'Jane Doe') { throw "Unexpected messages: $($messages.Count)." }
    $thread | Remove-OaiThread -Confirm:$false
    $assistant | Remove-OaiAssistant -Confirm:$false
    [ordered]@{
        total_ms   = $totalMs
        # Time between the steps: PowerShell running the flow's own lines.
        outside_ms = $totalMs - ($script:Step.Values | ForEach-Object { $_.ms } | Measure-Object -Sum).Sum
        steps      = $script:Step
    }
}

[ordered]@{
    import_ms      = $importMs
    import_methods = $importMethods
    tiered         = "$([AppContext]::GetData('System.Runtime.TieredCompilation'))"
    r2r_disabled   = "$env:DOTNET_ReadyToRun" -eq '0'
    warmup         = "$env:PSASSISTANTS_WARMUP" -ne '0'
    rounds         = @($results)
} | ConvertTo-Json -Compress -Depth 5
