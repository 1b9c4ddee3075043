#Requires -Version 7.4
<#
.SYNOPSIS
    The reference scenario: a math tutor assistant answers one question on a new thread.
.DESCRIPTION
    Uses the default session, so it runs against whatever $env:OPENAI_API_KEY / $env:OPENAI_BASE_URL
    (and $env:OPENAI_PROTOCOL) point at. `./build.ps1 -Task Demo` runs it against the local emulator
    when no API key is set.
#>
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'

if (-not (Get-Module PSAssistants)) {
    $modulePath = if ($env:PSASSISTANTS_MODULE_PATH) { $env:PSASSISTANTS_MODULE_PATH } else { Join-Path $PSScriptRoot '../out/PSAssistants' }
    Import-Module $modulePath
}

$assistant = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4' -Tool code_interpreter `
    -Instructions 'You are a personal math tutor. Write and run code to answer math questions.'
try {
    $thread = New-OaiThread
    $null = $thread | Add-OaiMessage -Content 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
    $run = $thread | Start-OaiRun -Assistant $assistant -Wait `
        -AdditionalInstructions 'Please address the user as Jane Doe. The user has a premium account.'
    if ($run.Status -ne 'completed') { throw "The run ended '$($run.Status)': $($run.LastError)" }

    $thread | Get-OaiMessage
}
finally {
    if ($thread) { $thread | Remove-OaiThread -Confirm:$false }
    $assistant | Remove-OaiAssistant -Confirm:$false
}
