#Requires -Version 7.4
# Today's models (issue 13): Get-OaiModel and -Model completion, the run options of New-/Set-OaiAssistant and
# Start-OaiRun on both protocols, structured output into PowerShell objects, usage, one-shot questions.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants' }
        @{ Protocol = 'Responses' }
    )
}

Describe 'Models and run options on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        Import-OaiTestModule
        $script:SavedStore = $env:PSASSISTANTS_ASSISTANT_STORE
        $env:PSASSISTANTS_ASSISTANT_STORE = Join-Path $TestDrive "assistants-$Protocol.json"
        $script:Emulator = Start-OaiTestEmulator
        $script:Session = Connect-OaiService -ApiKey 'sk-test-runoptions' -BaseUri $Emulator.BaseUri -Protocol $Protocol -PassThru
        function script:Get-Requests([string] $Method, [string] $Like) {
            @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq $Method -and $_.path -like $Like })
        }
        function script:Get-LastBody([string] $Method, [string] $Like) {
            (Get-Requests $Method $Like)[-1].body | ConvertFrom-Json -AsHashtable
        }
    }

    AfterAll {
        $env:PSASSISTANTS_ASSISTANT_STORE = $SavedStore
        Disconnect-OaiService
        $Emulator | Stop-OaiTestEmulator
    }

    Context 'Models' -Tag 'Wire' {
        It 'completes -Model from the list fetched once, on the first completion, never before' {
            $session = Connect-OaiService -ApiKey 'sk-test-runoptions' -BaseUri $Emulator.BaseUri -Protocol $Protocol -PassThru
            $null = New-OaiAssistant -Name 'no completion yet' -Model 'gpt-4'
            @(Get-Requests GET '*/models*').Count | Should -Be 0 -Because 'nothing asks for models before completion does'

            $line = 'Start-OaiRun -Model gpt-5'
            $first = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $first.CompletionMatches.CompletionText | Should -Be @('gpt-5', 'gpt-5-mini', 'gpt-5-nano')
            $line = 'New-OaiAssistant -Model gpt-4o-'
            $second = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $second.CompletionMatches.CompletionText | Should -Be @('gpt-4o-mini')
            @(Get-Requests GET '*/models').Count | Should -Be 1 -Because 'the list is fetched at most once per session'
            $session | Should -Not -BeNullOrEmpty
        }

        It 'lists models as OaiModel objects, filters by wildcard and gets one by id' {
            $all = @(Get-OaiModel)
            $all.Count | Should -BeGreaterThan 3
            $all[0] | Should -BeOfType PSAssistants.OaiModel
            ($all | Where-Object Id -eq 'gpt-4').OwnedBy | Should -Be 'openai'
            @(Get-OaiModel 'gpt-5*').Id | Should -Be @('gpt-5', 'gpt-5-mini', 'gpt-5-nano')
            $one = Get-OaiModel -Id 'gpt-5-mini'
            $one.Id | Should -Be 'gpt-5-mini'
            $one.Created.Year | Should -BeGreaterThan 2020
        }

        It 'writes OaiNotFound for an unknown id and still gets the others' {
            $found = @(Get-OaiModel -Id 'no-such-model', 'gpt-4' -ErrorVariable err -ErrorAction SilentlyContinue)
            $found.Id | Should -Be @('gpt-4')
            $err[0].FullyQualifiedErrorId | Should -BeLike 'OaiNotFound,*'
        }
    }

    Context 'Model completion offline' {
        It 'completes nothing and says nothing when the server cannot be reached' {
            $offline = Connect-OaiService -ApiKey 'sk-test-runoptions' -BaseUri 'http://127.0.0.1:9/v1' -Protocol $Protocol -PassThru
            try {
                $Error.Clear()
                $line = 'Start-OaiRun -Model gpt'
                $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
                @($result.CompletionMatches).Count | Should -Be 0
                $Error.Count | Should -Be 0
            }
            finally {
                $null = Connect-OaiService -ApiKey 'sk-test-runoptions' -BaseUri $Emulator.BaseUri -Protocol $Protocol
            }
            $offline | Should -Not -BeNullOrEmpty
        }
    }
}
