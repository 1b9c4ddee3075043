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
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-runoptions'
        $script:Emulator, $script:Session = $Setup.Emulator, $Setup.Session
        function script:Get-Requests([string] $Method, [string] $Like) {
            @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq $Method -and $_.path -like $Like })
        }
        function script:Get-LastBody([string] $Method, [string] $Like) {
            (Get-Requests $Method $Like)[-1].body | ConvertFrom-Json -AsHashtable
        }
    }

    AfterAll {
        Exit-OaiTestProtocol $Setup
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

Describe 'Run options on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-runoptions' -StorePath (Join-Path $TestDrive "settings-$Protocol.json")
        $script:Emulator, $script:Session = $Setup.Emulator, $Setup.Session
        $script:RunPath = if ($Protocol -eq 'Responses') { '*/responses' } else { '*/runs' }
        function script:Get-Requests([string] $Method, [string] $Like) {
            @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq $Method -and $_.path -like $Like })
        }
        function script:Get-LastBody([string] $Method, [string] $Like) {
            (Get-Requests $Method $Like)[-1].body | ConvertFrom-Json -AsHashtable
        }
        # PowerShell classes for -JsonSchema: nested classes, arrays and enums.
        $script:Types = . ([scriptblock]::Create(@'
enum Verdict { Solved; Unsolved }
class Step { [string] $Text; [int] $Number }
class Solution { [string] $Answer; [double] $X; [Verdict] $Verdict; [Step[]] $Steps; [bool] $Checked }
@{ Solution = [Solution]; Step = [Step] }
'@))
    }

    AfterAll {
        Exit-OaiTestProtocol $Setup
    }

    Context 'The wire' -Tag 'Wire' {
        It 'sends reasoning effort, the token cap, sampling, tool choice and parallel calls of Start-OaiRun as the table says' {
            $a = New-OaiAssistant -Name 'Settings' -Model 'gpt-5-mini'
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'Say hello.'
            $run = $thread | Start-OaiRun -Assistant $a -ReasoningEffort low -MaxOutputTokens 400 -Temperature 0.5 -TopP 0.9 `
                -ToolChoice none -ParallelToolCalls $false -Truncation auto -Wait
            $run.Status | Should -Be 'completed'
            $body = Get-LastBody POST $RunPath
            $body.temperature | Should -Be 0.5
            $body.top_p | Should -Be 0.9
            $body.tool_choice | Should -Be 'none'
            $body.parallel_tool_calls | Should -BeFalse
            if ($Protocol -eq 'Responses') {
                $body.reasoning.effort | Should -Be 'low'
                $body.max_output_tokens | Should -Be 400
                $body.truncation | Should -Be 'auto'
                $run.Usage.ReasoningTokens | Should -BeGreaterThan 0
            }
            else {
                $body.reasoning_effort | Should -Be 'low'
                $body.max_completion_tokens | Should -Be 400
                $body.truncation_strategy.type | Should -Be 'auto'
                $run.Usage.ReasoningTokens | Should -BeNullOrEmpty
            }
            $run.OutputText | Should -Be 'You said: Say hello.'
        }

        It 'sends the protocol-only settings where the protocol has them' {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'Say hello.'
            $a = New-OaiAssistant -Name 'Only' -Model 'gpt-5-mini'
            if ($Protocol -eq 'Responses') {
                $null = $thread | Start-OaiRun -Assistant $a -ReasoningSummary concise -Verbosity low -MaxToolCalls 3 -CompactThreshold 2000 -Wait
                $body = Get-LastBody POST $RunPath
                $body.reasoning.summary | Should -Be 'concise'
                $body.text.verbosity | Should -Be 'low'
                $body.max_tool_calls | Should -Be 3
                $body.context_management[0].type | Should -Be 'compaction'
                $body.context_management[0].compact_threshold | Should -Be 2000
            }
            else {
                $null = $thread | Start-OaiRun -Assistant $a -MaxPromptTokens 1000 -LastMessages 5 -Wait
                $body = Get-LastBody POST $RunPath
                $body.max_prompt_tokens | Should -Be 1000
                $body.truncation_strategy.type | Should -Be 'last_messages'
                $body.truncation_strategy.last_messages | Should -Be 5
            }
        }

        It 'forces a function by name with -ToolChoice in the protocol''s shape' {
            $a = New-OaiAssistant -Name 'Forced' -Model 'gpt-4o' -Function (Get-Command Get-Date)
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'What day is it?'
            $null = $thread | Start-OaiRun -Assistant $a -ToolChoice 'Get-Date' -NoAutoTool
            $body = Get-LastBody POST $RunPath
            if ($Protocol -eq 'Responses') {
                $body.tool_choice.type | Should -Be 'function'
                $body.tool_choice.name | Should -Be 'Get-Date'
            }
            else {
                $body.tool_choice.type | Should -Be 'function'
                $body.tool_choice.function.name | Should -Be 'Get-Date'
            }
        }

        It 'answers into an instance of a PowerShell class given to -JsonSchema' {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'Solve 2x = 8.'
            $a = New-OaiAssistant -Name 'Solver' -Model 'gpt-5-mini'
            $run = $thread | Start-OaiRun -Assistant $a -JsonSchema $Types.Solution -Wait
            $run.Status | Should -Be 'completed'
            $run.OutputObject | Should -BeOfType $Types.Solution
            $run.OutputObject.Answer | Should -Match 'x = 4'
            $run.OutputObject.Verdict | Should -Be 'Solved'
            $run.OutputObject.Steps[0] | Should -BeOfType $Types.Step
            $run.OutputText | Should -Match '^\{'
            $body = Get-LastBody POST $RunPath
            if ($Protocol -eq 'Responses') {
                $format = $body.text.format
                $format.type | Should -Be 'json_schema'
                $format.name | Should -Be 'Solution'
                $format.strict | Should -BeTrue
                $schema = $format.schema
            }
            else {
                $body.response_format.type | Should -Be 'json_schema'
                $body.response_format.json_schema.name | Should -Be 'Solution'
                $body.response_format.json_schema.strict | Should -BeTrue
                $schema = $body.response_format.json_schema.schema
            }
            $schema.additionalProperties | Should -BeFalse
            @($schema.required) | Should -Be @('Answer', 'X', 'Verdict', 'Steps', 'Checked')
            $schema.properties.Verdict.enum | Should -Be @('Solved', 'Unsolved')
            $schema.'$defs'.Step.additionalProperties | Should -BeFalse
        }

        It 'answers into a PSCustomObject for a hashtable schema, kept on the assistant' {
            $schema = @{
                type = 'object'; additionalProperties = $false; required = @('city', 'count')
                properties = @{ city = @{ type = 'string' }; count = @{ type = 'integer' } }
            }
            $a = New-OaiAssistant -Name 'Towns' -Model 'gpt-5-mini' -JsonSchema $schema -SchemaName towns
            $a.RunSettings.SchemaName | Should -Be 'towns'
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'Name a town.'
            $run = $thread | Start-OaiRun -Assistant $a -Wait
            $run.OutputObject | Should -BeOfType System.Management.Automation.PSCustomObject
            $run.OutputObject.count | Should -Be 1
            $run.OutputObject.city | Should -Be 'You said: Name a town.'
        }

        It 'takes the schema as JSON text with -NoStrict' {
            $json = '{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"],"additionalProperties":false}'
            $run = Start-OaiRun -Model 'gpt-5-mini' -Message 'hello' -JsonSchema $json -NoStrict -Wait
            $run.OutputObject.answer | Should -Be 'You said: hello'
            $body = Get-LastBody POST $RunPath
            $strict = if ($Protocol -eq 'Responses') { $body.text.format.strict } else { $body.response_format.json_schema.strict }
            $strict | Should -BeFalse
        }

        It 'writes OaiOutputInvalid and keeps the text when the reply does not parse' {
            $run = Start-OaiRun -Model 'gpt-5-mini' -Message 'hello [badjson]' -JsonSchema $Types.Solution -Wait -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'OaiOutputInvalid,*'
            $err[0].TargetObject.OutputText | Should -Be 'Sorry, I can only answer in prose today.'
            $run.OutputText | Should -Be 'Sorry, I can only answer in prose today.'
            $run.OutputObject | Should -BeNullOrEmpty
        }

        It 'merges -AdditionalBody into the run''s body and refuses a key the module sets' {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'hello'
            $a = New-OaiAssistant -Name 'Extra' -Model 'gpt-5-mini'
            $extra = if ($Protocol -eq 'Responses') { @{ top_logprobs = 2 } } else { @{ additional_messages = @(@{ role = 'user'; content = 'and more' }) } }
            $null = $thread | Start-OaiRun -Assistant $a -AdditionalBody $extra -Wait
            $body = Get-LastBody POST $RunPath
            if ($Protocol -eq 'Responses') { $body.top_logprobs | Should -Be 2 } else { $body.additional_messages[0].content | Should -Be 'and more' }

            $before = @(Get-OaiTestRequest -Emulator $Emulator).Count
            { $thread | Start-OaiRun -Assistant $a -AdditionalBody @{ metadata = @{ a = 'b' } } -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.StartOaiRunCommand'
            @(Get-OaiTestRequest -Emulator $Emulator).Count | Should -Be $before
        }

        It 'keeps an assistant''s settings and lets the run''s win' {
            $a = New-OaiAssistant -Name 'Kept' -Model 'gpt-5-mini' -ReasoningEffort high -MaxOutputTokens 1000 -ToolChoice auto
            $a.RunSettings.ReasoningEffort | Should -Be 'high'
            $a.RunSettings.MaxOutputTokens | Should -Be 1000
            $again = Get-OaiAssistant -Id $a.Id
            $again.RunSettings.MaxOutputTokens | Should -Be 1000
            $again.RunSettings.ToolChoice | Should -Be 'auto'
            $again.Metadata.Count | Should -Be 0 -Because 'the module''s own bookkeeping is not the user''s metadata'
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'hello'
            $null = $thread | Start-OaiRun -Assistant $again -MaxOutputTokens 500 -Wait
            $body = Get-LastBody POST $RunPath
            if ($Protocol -eq 'Responses') {
                $body.max_output_tokens | Should -Be 500
                $body.reasoning.effort | Should -Be 'high'
            }
            else {
                $body.max_completion_tokens | Should -Be 500
                $body.reasoning_effort | Should -Be 'high'
            }
            $body.tool_choice | Should -Be 'auto'

            $changed = Set-OaiAssistant -Assistant $a -ReasoningEffort minimal
            $changed.RunSettings.ReasoningEffort | Should -Be 'minimal'
            $changed.RunSettings.MaxOutputTokens | Should -Be 1000
        }

        It 'exports an assistant''s run settings and imports them back' {
            $schema = @{ type = 'object'; additionalProperties = $false; required = @('a'); properties = @{ a = @{ type = 'string' } } }
            $a = New-OaiAssistant -Name 'Shipped' -Model 'gpt-5-mini' -ReasoningEffort low -MaxOutputTokens 700 -ToolChoice none -JsonSchema $schema -SchemaName shipped
            $path = Join-Path $TestDrive "shipped-$Protocol.json"
            $a | Export-OaiAssistant -Path $path
            Get-Content -Raw $path | Should -Match '"max_output_tokens":\s*700'
            $a | Remove-OaiAssistant -Confirm:$false
            $imported = Import-OaiAssistant -Path $path
            $imported.RunSettings.ReasoningEffort | Should -Be 'low'
            $imported.RunSettings.MaxOutputTokens | Should -Be 700
            $imported.RunSettings.ToolChoice | Should -Be 'none'
            $imported.RunSettings.SchemaName | Should -Be 'shipped'
            (Get-OaiAssistant -Id $imported.Id).RunSettings.MaxOutputTokens | Should -Be 700
        }

        It 'answers a one-shot question without -Assistant, and leaves no assistant behind' {
            $before = @(Get-OaiAssistant).Count
            $text = Start-OaiRun -Model 'gpt-5-mini' -Message 'Which cmdlet lists services?' -Instructions 'Address the user as Ada.' -Wait |
                Select-Object -ExpandProperty OutputText
            $text | Should -Be 'Hello Ada! You said: Which cmdlet lists services?'
            @(Get-OaiAssistant).Count | Should -Be $before
            if ($Protocol -eq 'Assistants') {
                @(Get-Requests DELETE '*/assistants/*').Count | Should -BeGreaterThan 0
            }
        }
    }

    Context 'One-shot runs clean up, and stored prompts warn' {
        It 'removes the temporary assistant of a one-shot run that failed' {
            $before = @(Get-OaiAssistant).Count
            $run = Start-OaiRun -Model 'gpt-5-mini' -Message 'this breaks [fail]' -Wait -ErrorAction SilentlyContinue
            $run.Status | Should -Be 'failed'
            @(Get-OaiAssistant).Count | Should -Be $before
        }

        It 'removes the temporary assistant when the wait is stopped (Ctrl+C)' {
            $before = @(Get-OaiAssistant).Count
            $ps = [powershell]::Create()
            $null = $ps.AddScript({
                    param($Module, $BaseUri, $Protocol, $Store)
                    Import-Module $Module
                    Connect-OaiService -ApiKey 'sk-test-runoptions' -BaseUri $BaseUri -Protocol $Protocol -AssistantStorePath $Store
                    Start-OaiRun -Model 'gpt-5-mini' -Message 'take your time [delay:30000]' -Wait
                }).AddArgument((Get-OaiTestModulePath)).AddArgument($Emulator.BaseUri).AddArgument($Protocol).AddArgument($env:PSASSISTANTS_ASSISTANT_STORE)
            $async = $ps.BeginInvoke()
            try {
                # Stop once the run is under way: its POST is the last request before the wait.
                $deadline = [DateTime]::UtcNow.AddSeconds(20)
                while ([DateTime]::UtcNow -lt $deadline -and -not (Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'POST' -and $_.body -match 'take your time' })) {
                    Start-Sleep -Milliseconds 100
                }
                Start-Sleep -Milliseconds 300
                $ps.Stop()
                { $ps.EndInvoke($async) } | Should -Throw
            }
            finally { $ps.Dispose() }
            @(Get-OaiAssistant).Count | Should -Be $before
            if ($Protocol -eq 'Assistants') {
                @(Get-Requests DELETE '*/assistants/*').Count | Should -BeGreaterThan 0
            }
        }

        It 'warns when -PromptId is used against api.openai.com, before any request' {
            $openai = Connect-OaiService -ApiKey 'sk-test-not-sent' -BaseUri 'https://api.openai.com/v1' -Protocol Responses `
                -AssistantStorePath (Join-Path $TestDrive 'prompt-store.json') -PassThru
            try {
                $null = New-OaiAssistant -Session $openai -PromptId 'pmpt_abc123' -WhatIf -WarningVariable warned -WarningAction SilentlyContinue
                "$warned" | Should -Match 'shut down reusable prompt objects'
                $null = New-OaiAssistant -Session $Session -Model 'gpt-4o' -Name 'no warning' -WarningVariable quiet -WarningAction SilentlyContinue
                $quiet | Should -BeNullOrEmpty
            }
            finally {
                $null = Connect-OaiService -ApiKey 'sk-test-runoptions' -BaseUri $Emulator.BaseUri -Protocol $Protocol
            }
        }
    }

    Context 'Refused before any request' {
        It 'refuses <Parameter> with OaiNotSupported on <Protocol> and sends nothing' -ForEach (@(
            @{ Parameter = 'ReasoningSummary'; Value = 'auto'; On = 'Assistants' }
            @{ Parameter = 'Verbosity'; Value = 'low'; On = 'Assistants' }
            @{ Parameter = 'MaxToolCalls'; Value = 2; On = 'Assistants' }
            @{ Parameter = 'CompactThreshold'; Value = 5000; On = 'Assistants' }
            @{ Parameter = 'Truncation'; Value = 'disabled'; On = 'Assistants' }
            @{ Parameter = 'MaxPromptTokens'; Value = 1000; On = 'Responses' }
            @{ Parameter = 'LastMessages'; Value = 3; On = 'Responses' }
        ) | Where-Object { $_.On -eq $Protocol }) {
            $before = @(Get-OaiTestRequest -Emulator $Emulator).Count
            $splat = @{ $Parameter = $Value }
            { Start-OaiRun -Model 'gpt-5-mini' -Message 'hello' -Wait @splat -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiNotSupported,PSAssistants.Commands.StartOaiRunCommand'
            { New-OaiAssistant -Model 'gpt-5-mini' @splat -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiNotSupported,PSAssistants.Commands.NewOaiAssistantCommand'
            @(Get-OaiTestRequest -Emulator $Emulator).Count | Should -Be $before
        }

        It 'refuses a one-shot run without -Wait, and without -Model' {
            { Start-OaiRun -Model 'gpt-5-mini' -Message 'hello' -ErrorAction Stop } | Should -Throw -ErrorId 'OaiInvalidArgument,*'
            { Start-OaiRun -Message 'hello' -Wait -ErrorAction Stop } | Should -Throw -ErrorId 'OaiInvalidArgument,*'
        }
    }
}
