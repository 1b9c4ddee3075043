#Requires -Version 7.4
<#
.SYNOPSIS
    Bench probe, run in a fresh pwsh by bench/Bench.ps1: the Math Tutor scenario (create an assistant, a
    thread, add the question, run it, wait for the run, list the thread's messages) by PSAssistants or by
    the peer PSOpenAI, once cold and Reps times warm. Prints one JSON line.
.DESCRIPTION
    Each scenario's requests are counted from the emulator's request log (control requests are not logged).
    Cleanup (removing the thread and the assistant) is done after each timed scenario and not timed or
    counted, for both modules alike.
#>
param(
    [Parameter(Mandatory)] [ValidateSet('PSAssistants', 'PSOpenAI')] [string] $Module,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $BaseUri,
    [Parameter(Mandatory)] [string] $ControlUri,
    [ValidateSet('Assistants', 'Responses')] [string] $Protocol = 'Assistants',
    [int] $Reps = 5
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$question = 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
$instructions = 'You are a personal math tutor. Write and run code to answer math questions.'
$additional = 'Please address the user as Jane Doe. The user has a premium account.'

function Get-Log { @(Invoke-RestMethod -Uri "$ControlUri/__emulator/requests" -NoProxy) | Write-Output }
function Clear-Log { $null = Invoke-RestMethod -Method Delete -Uri "$ControlUri/__emulator/requests" -NoProxy }

$importWatch = [Diagnostics.Stopwatch]::StartNew()
Import-Module $ModulePath
$importMs = $importWatch.Elapsed.TotalMilliseconds

if ($Module -eq 'PSAssistants') {
    Connect-OaiService -BaseUri $BaseUri -ApiKey 'sk-bench' -Protocol $Protocol
    $scenario = {
        $assistant = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4o' -Tool code_interpreter -Instructions $instructions
        $thread = New-OaiThread
        $null = $thread | Add-OaiMessage -Content $question
        $run = $thread | Start-OaiRun -Assistant $assistant -Wait -AdditionalInstructions $additional
        $messages = @($thread | Get-OaiMessage)
        [pscustomobject]@{ Status = $run.Status; Reply = $messages[-1].Text; Count = $messages.Count; Cleanup = { $thread | Remove-OaiThread -Confirm:$false; $assistant | Remove-OaiAssistant -Confirm:$false }.GetNewClosure() }
    }
}
else {
    # PSOpenAI's Assistants cmdlets, as its guide uses them, pointed at the emulator with -ApiBase / -ApiKey.
    $common = @{ ApiBase = $BaseUri; ApiKey = 'sk-bench' }
    $scenario = {
        $assistant = New-Assistant -Name 'Math Tutor' -Model 'gpt-4o' -UseCodeInterpreter -Instructions $instructions @common
        $thread = New-Thread @common
        $null = $thread | Add-ThreadMessage -Message $question @common
        $run = $thread | Start-ThreadRun -Assistant $assistant.id -AdditionalInstructions $additional @common
        $run = $run | Wait-ThreadRun @common
        $messages = @($thread | Get-ThreadMessage -All -Order asc @common)
        [pscustomobject]@{ Status = $run.status; Reply = "$($messages[-1].SimpleContent.Content)"; Count = $messages.Count; Cleanup = { $null = $thread | Remove-Thread @common; $null = $assistant | Remove-Assistant @common }.GetNewClosure() }
    }
}

$times = [Collections.Generic.List[double]]::new()
$requests = [Collections.Generic.List[int]]::new()
$breakdown = $null
$reply = $null
for ($i = 0; $i -le $Reps; $i++) {
    Clear-Log
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $result = & $scenario
    $elapsed = $watch.Elapsed.TotalMilliseconds
    $log = @(Get-Log)
    if ($result.Status -ne 'completed') { throw "$Module run ended '$($result.Status)'." }
    if ($result.Count -ne 2) { throw "$Module listed $($result.Count) messages, not the question and the reply." }
    $reply = $result.Reply
    $times.Add($elapsed)
    $requests.Add($log.Count)
    if ($i -eq $Reps) {
        # Request kinds of the last scenario: method and path with ids replaced by {id}.
        $breakdown = $log | ForEach-Object {
            $path = ($_.path -replace '^/v1', '') -replace '/(asst|thread|run|msg|step|conv|resp)_[A-Za-z0-9]+', '/{id}'
            $stream = if ($_.body -match '"stream"\s*:\s*true') { ' (stream)' } else { '' }
            "$($_.method) $path$stream"
        } | Group-Object | ForEach-Object { "$($_.Count)x $($_.Name)" }
    }
    & $result.Cleanup
}

[pscustomobject]@{
    module     = $Module
    protocol   = $Protocol
    import_ms  = $importMs
    cold_ms    = $times[0]
    warm_ms    = @($times | Select-Object -Skip 1)
    requests   = @($requests)
    breakdown  = @($breakdown)
    reply      = $reply
} | ConvertTo-Json -Compress -Depth 4
