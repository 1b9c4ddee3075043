#Requires -Version 7.4
#Requires -Modules PSAssistants
<#
.SYNOPSIS
    An Azure Automation runbook (PowerShell 7.4 runtime) that asks an Azure OpenAI assistant a question with
    the Automation account's managed identity, and writes the reply.

.DESCRIPTION
    Setup, once (see the README's "Azure Automation and CI" section):
      - a PowerShell 7.4 runtime environment with the PSAssistants package (from the gallery, or the
        out/package/PSAssistants.<version>.nupkg that ./build.ps1 -Task Package writes) and Az.Accounts;
      - the account's system-assigned managed identity with the "Cognitive Services OpenAI User" role on
        the Azure OpenAI resource;
      - Automation variables (or, elsewhere, environment variables) OPENAI_BASE_URL (the resource,
        https://NAME.openai.azure.com), and optionally OPENAI_PROTOCOL (Responses by default on Azure) and
        OPENAI_MODEL (the deployment name; gpt-4o by default).

    No key is stored anywhere: the module asks -AccessToken for an Entra token before the first request and
    again five minutes before that token expires, so a long wait keeps working. The same script runs in a CI
    job (GitHub Actions, Azure Pipelines) after 'Connect-AzAccount' with the job's federated identity.

.PARAMETER Question
    What to ask.

.PARAMETER AccessToken
    Returns the Entra token: by default the managed identity's, through Az.Accounts. Tests pass a stand-in.

.EXAMPLE
    ./AzureAutomationRunbook.ps1 -Question 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
#>
[CmdletBinding()]
param(
    [string] $Question = 'I need to solve the equation `3x + 11 = 14`. Can you help me?',

    [scriptblock] $AccessToken = {
        # Az.Accounts 2.x and later; -AsSecureString keeps the token out of plain strings where it can.
        Get-AzAccessToken -ResourceUrl 'https://cognitiveservices.azure.com' -AsSecureString -ErrorAction Stop
    }
)

$ErrorActionPreference = 'Stop'

function Get-RunbookSetting([string] $Name, [string] $Default) {
    # An Automation variable when running in Azure Automation, else the environment variable of that name.
    $value = if (Get-Command Get-AutomationVariable -ErrorAction Ignore) {
        try { Get-AutomationVariable -Name $Name } catch { $null }
    }
    if (-not $value) { $value = [Environment]::GetEnvironmentVariable($Name) }
    if ($value) { $value } else { $Default }
}

$endpoint = Get-RunbookSetting 'OPENAI_BASE_URL'
if (-not $endpoint) { throw 'Set OPENAI_BASE_URL (an Automation variable or environment variable) to the Azure OpenAI resource, https://NAME.openai.azure.com.' }

if ($PSBoundParameters.ContainsKey('AccessToken') -eq $false -and (Get-Command Connect-AzAccount -ErrorAction Ignore)) {
    # The default token provider needs a signed-in Az context: the managed identity's.
    $null = Connect-AzAccount -Identity
}

$connect = @{ AzureEndpoint = $endpoint; AccessToken = $AccessToken }
$protocol = Get-RunbookSetting 'OPENAI_PROTOCOL'
if ($protocol) { $connect.Protocol = $protocol }
Connect-OaiService @connect

$assistant = New-OaiAssistant -Name 'Math Tutor' -Model (Get-RunbookSetting 'OPENAI_MODEL' 'gpt-4o') -Tool code_interpreter `
    -Instructions 'You are a personal math tutor. Write and run code to answer math questions.'
$thread = $null
try {
    $thread = New-OaiThread
    $null = $thread | Add-OaiMessage -Content $Question
    # A bounded wait: a runbook must end on its own even if the service never finishes the run.
    $run = $thread | Start-OaiRun -Assistant $assistant -Wait -TimeoutSec 600 `
        -AdditionalInstructions 'Please address the user as Jane Doe. The user has a premium account.'
    if ($run.Status -ne 'completed') { throw "The run ended '$($run.Status)': $($run.LastError)" }
    # The job's output: the assistant's reply.
    $run | Get-OaiMessage | Where-Object Role -EQ 'assistant' | ForEach-Object Text
}
finally {
    if ($thread) { $thread | Remove-OaiThread -Confirm:$false }
    $assistant | Remove-OaiAssistant -Confirm:$false
}
