#Requires -Version 7.4
# What only the Responses protocol has: assistants kept on the client, the run request's shape, stored
# prompts, and choosing the protocol. The shared behaviour is in Cmdlets.Tests.ps1, run once per protocol.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Setup = Enter-OaiTestProtocol -Protocol Responses -Key 'sk-test-responses' -StorePath (Join-Path $TestDrive 'store/assistants.json')
    $script:Emulator, $script:Store, $script:Session = $Setup.Emulator, $Setup.StorePath, $Setup.Session
    function Get-LastRequest([string] $Method, [string] $Like) {
        @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq $Method -and $_.path -like $Like })[-1]
    }
}

AfterAll {
    Exit-OaiTestProtocol $Setup
}

Describe 'A run is a background response on the conversation' -Tag 'Wire' {
    It 'sends conversation, background, store, model, combined instructions, tools and the assistant id' {
        $a = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4' -Tool code_interpreter -Instructions 'Be a tutor.'
        $thread = New-OaiThread
        $null = $thread | Add-OaiMessage -Content 'What is 2x = 8?'
        $run = $thread | Start-OaiRun -Assistant $a -AdditionalInstructions 'Address the user as Jane Doe.' -Wait

        $body = (Get-LastRequest POST '*/responses').body | ConvertFrom-Json -AsHashtable
        $body.conversation | Should -Be $thread.Id
        $body.background | Should -BeTrue
        $body.store | Should -BeTrue
        $body.model | Should -Be 'gpt-4'
        $body.instructions | Should -Be "Be a tutor.`n`nAddress the user as Jane Doe."
        $body.tools[0].type | Should -Be 'code_interpreter'
        $body.tools[0].container.type | Should -Be 'auto'
        $body.metadata.psassistants_assistant_id | Should -Be $a.Id

        $run.Status | Should -Be 'completed'
        $run.AssistantId | Should -Be $a.Id
        $run.ThreadId | Should -Be $thread.Id
        $run.Usage.TotalTokens | Should -BeGreaterThan 0
        ($run.RawJson | ConvertFrom-Json).object | Should -Be 'response'
        (Get-OaiMessage -Thread $thread)[-1].Text | Should -Match 'x = 4'
    }

    It 'replaces the assistant''s instructions with -Instructions and its model with -Model' {
        $a = New-OaiAssistant -Name 'Plain' -Model 'gpt-4' -Instructions 'Original.'
        $thread = New-OaiThread
        $null = $thread | Add-OaiMessage -Content 'hello'
        $null = $thread | Start-OaiRun -Assistant $a -Instructions 'Replaced.' -Model 'gpt-4o-mini'
        $body = (Get-LastRequest POST '*/responses').body | ConvertFrom-Json
        $body.instructions | Should -Be 'Replaced.'
        $body.model | Should -Be 'gpt-4o-mini'
    }

    It 'adds messages as conversation items of type message' {
        $thread = New-OaiThread
        $m = $thread | Add-OaiMessage -Content 'as an item'
        $request = Get-LastRequest POST '*/items'
        $request.path | Should -BeLike "*/conversations/$($thread.Id)/items"
        $item = ($request.body | ConvertFrom-Json).items[0]
        $item.type | Should -Be 'message'
        $item.role | Should -Be 'user'
        $item.content | Should -Be 'as an item'
        $m.Content[0].Type | Should -Be 'input_text'
        $m.Text | Should -Be 'as an item'
        $m.ThreadId | Should -Be $thread.Id
    }

    It 'sends a stored prompt as prompt {id, version}' {
        $a = New-OaiAssistant -Name 'From the dashboard' -PromptId 'pmpt_abc123' -PromptVersion '2'
        $a.PromptId | Should -Be 'pmpt_abc123'
        $thread = New-OaiThread
        $null = $thread | Add-OaiMessage -Content 'hi'
        $null = $thread | Start-OaiRun -Assistant $a
        $body = (Get-LastRequest POST '*/responses').body | ConvertFrom-Json -AsHashtable
        $body.prompt.id | Should -Be 'pmpt_abc123'
        $body.prompt.version | Should -Be '2'
        $body.ContainsKey('model') | Should -BeFalse
    }
}

Describe 'Assistants kept on the client' {
    It 'creates, lists, gets and removes definitions in the store file, with no request' {
        Clear-OaiTestRequest -Emulator $Emulator
        $a = New-OaiAssistant -Name 'Local One' -Model 'gpt-4' -Metadata @{ team = 'ops' }
        $a.Id | Should -Match '^asst_local_[A-Za-z0-9]{20}$'
        @((Get-Content $Store -Raw | ConvertFrom-Json).assistants | ForEach-Object id) | Should -Contain $a.Id
        (Get-OaiAssistant -Id $a.Id).Metadata['team'] | Should -Be 'ops'
        (Get-OaiAssistant -Name 'Local*').Id | Should -Contain $a.Id
        $a | Remove-OaiAssistant -Confirm:$false
        # Pester empties TestDrive after each Describe, so the store may hold only this test's assistant: an empty list is fine.
        @((Get-Content $Store -Raw | ConvertFrom-Json).assistants | ForEach-Object id) | Should -Not -Contain $a.Id
        { Get-OaiAssistant -Id $a.Id -ErrorAction Stop } |
            Should -Throw -ErrorId 'OaiNotFound,PSAssistants.Commands.GetOaiAssistantCommand'
        Get-OaiTestRequest -Emulator $Emulator -Count | Should -Be 0
    }

    It 'is seen by another process' {
        $a = New-OaiAssistant -Name 'Shared' -Model 'gpt-4'
        $result = Invoke-OaiTestPwsh -Command @"
Import-Module '$(Get-OaiTestModulePath)'
Connect-OaiService -ApiKey k -BaseUri '$($Emulator.BaseUri)' -Protocol Responses -AssistantStorePath '$Store'
(Get-OaiAssistant -Id '$($a.Id)').Name
"@
        $result.Output[-1] | Should -Be 'Shared'
    }

    It 'exports and imports a definition with its id, refusing a duplicate unless -Force' {
        $a = New-OaiAssistant -Name 'Shipped' -Model 'gpt-4' -Tool code_interpreter -Instructions 'Ship me.' -Temperature 0.5
        $file = Join-Path $TestDrive 'shipped.json'
        $a | Export-OaiAssistant -Path $file
        { $a | Export-OaiAssistant -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'OaiExportFileExists*'
        $a | Remove-OaiAssistant -Confirm:$false

        $imported = Import-OaiAssistant -Path $file
        $imported.Id | Should -Be $a.Id
        $imported.Instructions | Should -Be 'Ship me.'
        $imported.Tools.Type | Should -Be 'code_interpreter'
        $imported.Temperature | Should -Be 0.5
        { Import-OaiAssistant -Path $file -ErrorAction Stop } |
            Should -Throw -ErrorId 'OaiConflict,PSAssistants.Commands.ImportOaiAssistantCommand'
        (Import-OaiAssistant -Path $file -Force).Id | Should -Be $a.Id
    }

    It 'imports an exported definition as a server assistant on the Assistants protocol' {
        $a = New-OaiAssistant -Name 'Crosses over' -Model 'gpt-4' -Instructions 'Both ways.'
        $file = Join-Path $TestDrive 'cross.json'
        $a | Export-OaiAssistant -Path $file
        $v2 = Connect-OaiService -ApiKey 'k' -BaseUri $Emulator.BaseUri -Protocol Assistants -PassThru
        $created = Import-OaiAssistant -Path $file -Session $v2
        $created.Id | Should -Not -Be $a.Id
        (Get-OaiAssistant -Id $created.Id -Session $v2).Instructions | Should -Be 'Both ways.'
        Connect-OaiService -ApiKey 'sk-test-responses' -BaseUri $Emulator.BaseUri -Protocol Responses -AssistantStorePath $Store
    }

    It 'reports a corrupt store clearly and leaves it as it is' {
        $bad = Join-Path $TestDrive 'corrupt/assistants.json'
        New-Item -ItemType Directory -Path (Split-Path $bad) -Force | Out-Null
        Set-Content -Path $bad -Value '{"version":1,"assistants":[{"id":' -NoNewline
        $s = Connect-OaiService -ApiKey 'k' -BaseUri $Emulator.BaseUri -Protocol Responses -AssistantStorePath $bad -PassThru
        Connect-OaiService -ApiKey 'sk-test-responses' -BaseUri $Emulator.BaseUri -Protocol Responses -AssistantStorePath $Store
        { New-OaiAssistant -Name 'x' -Model 'gpt-4' -Session $s -ErrorAction Stop } |
            Should -Throw -ErrorId 'OaiAssistantStoreInvalid,PSAssistants.Commands.NewOaiAssistantCommand'
        { Get-OaiAssistant -Session $s -ErrorAction Stop } | Should -Throw '*not valid JSON*'
        Get-Content $bad -Raw | Should -Be '{"version":1,"assistants":[{"id":'
    }
}

Describe 'Protocol differences fail clearly' {
    It 'refuses -PromptId on the Assistants protocol' {
        $v2 = Connect-OaiService -ApiKey 'k' -BaseUri $Emulator.BaseUri -Protocol Assistants -PassThru
        Connect-OaiService -ApiKey 'sk-test-responses' -BaseUri $Emulator.BaseUri -Protocol Responses -AssistantStorePath $Store
        { New-OaiAssistant -PromptId 'pmpt_x' -Session $v2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'OaiNotSupported,PSAssistants.Commands.NewOaiAssistantCommand'
    }

    It 'refuses file_search without vector stores on Responses, naming the protocol' {
        { New-OaiAssistant -Name 'fs' -Model 'gpt-4' -Tool file_search -ErrorAction Stop } |
            Should -Throw '*Responses protocol*'
    }
}

Describe 'Choosing the protocol' {
    It 'defaults to <Expected> for <Uri>' -ForEach @(
        @{ Uri = 'https://api.openai.com/v1'; Expected = 'Responses' }
        @{ Uri = 'https://contoso.openai.azure.com/openai/v1'; Expected = 'Responses' }
        @{ Uri = 'http://127.0.0.1:8080/v1'; Expected = 'Assistants' }
        @{ Uri = 'https://llm.internal.example/v1'; Expected = 'Assistants' }
    ) {
        $saved = $env:OPENAI_PROTOCOL
        Remove-Item Env:OPENAI_PROTOCOL -ErrorAction Ignore
        try {
            (Connect-OaiService -ApiKey 'k' -BaseUri $Uri -PassThru).Protocol | Should -Be $Expected
        }
        finally {
            $env:OPENAI_PROTOCOL = $saved
            Connect-OaiService -ApiKey 'sk-test-responses' -BaseUri $Emulator.BaseUri -Protocol Responses -AssistantStorePath $Store
        }
    }

    It 'follows $env:OPENAI_PROTOCOL when set, and refuses a wrong value' {
        $saved = $env:OPENAI_PROTOCOL
        try {
            $env:OPENAI_PROTOCOL = 'responses'
            (Connect-OaiService -ApiKey 'k' -BaseUri 'http://127.0.0.1:1/v1' -PassThru).Protocol | Should -Be 'Responses'
            $env:OPENAI_PROTOCOL = 'Chat'
            { Connect-OaiService -ApiKey 'k' -BaseUri 'http://127.0.0.1:1/v1' -ErrorAction Stop } | Should -Throw '*OPENAI_PROTOCOL*'
        }
        finally {
            $env:OPENAI_PROTOCOL = $saved
            Connect-OaiService -ApiKey 'sk-test-responses' -BaseUri $Emulator.BaseUri -Protocol Responses -AssistantStorePath $Store
        }
    }
}
