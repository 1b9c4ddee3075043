#Requires -Version 7.4
# The cmdlets end to end through the emulator. The same file runs once per protocol: a user's script
# must not change when the protocol does, so neither may these tests.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants' }
        @{ Protocol = 'Responses' }
    )
}

Describe 'PSAssistants on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        # Assistant definitions of the Responses protocol go to a store of this test run, never the user's.
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-SECRET-5f2b9c1e'
        $script:Key, $script:Emulator, $script:Session = $Setup.Key, $Setup.Emulator, $Setup.Session
        $script:Question = 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
        $script:Assistant = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4' -Tool code_interpreter `
            -Instructions 'You are a personal math tutor. Write and run code to answer math questions.'
    }

    AfterAll {
        Exit-OaiTestProtocol $Setup
    }

    Context 'The Math Tutor scenario' -Tag 'Wire' {
        It 'answers the question on a new thread, user question first, then the reply' {
            $thread = New-OaiThread
            $message = $thread | Add-OaiMessage -Content $Question
            $run = $thread | Start-OaiRun -Assistant $Assistant -Wait `
                -AdditionalInstructions 'Please address the user as Jane Doe. The user has a premium account.'

            $run | Should -BeOfType PSAssistants.OaiRun
            $run.Status | Should -Be 'completed'
            $run.ThreadId | Should -Be $thread.Id
            $run.AssistantId | Should -Be $Assistant.Id
            $run.CompletedAt | Should -BeOfType System.DateTimeOffset

            $messages = @($thread | Get-OaiMessage)
            $messages.Count | Should -Be 2
            $messages | Should -BeOfType PSAssistants.OaiMessage
            $messages[0].Id | Should -Be $message.Id
            $messages[0].Role | Should -Be 'user'
            $messages[0].Text | Should -Be $Question
            $messages[1].Role | Should -Be 'assistant'
            $messages[1].Text | Should -Match 'Jane Doe'
            $messages[1].Text | Should -Match 'x = 1'
            # Conversation items do not say which response made them; the run's own messages do, on both protocols.
            if ($Protocol -eq 'Assistants') { $messages[1].RunId | Should -Be $run.Id }
            $fromRun = @($run | Get-OaiMessage)
            $fromRun.Count | Should -Be 1
            $fromRun[0].Id | Should -Be $messages[1].Id
            $fromRun[0].RunId | Should -Be $run.Id
            $fromRun[0].AssistantId | Should -Be $Assistant.Id
        }

        It 'runs the example script unchanged and prints the question and the reply' {
            $env:OPENAI_BASE_URL = $Emulator.BaseUri
            $env:OPENAI_API_KEY = $Key
            $env:OPENAI_PROTOCOL = $Protocol
            try {
                $output = & (Join-Path (Get-OaiTestRepoRoot) 'examples/MathTutor.ps1')
            }
            finally {
                Remove-Item Env:OPENAI_BASE_URL, Env:OPENAI_API_KEY, Env:OPENAI_PROTOCOL -ErrorAction Ignore
                Connect-OaiService -ApiKey $Key -BaseUri $Emulator.BaseUri -Protocol $Protocol
            }
            $output.Role | Should -Be @('user', 'assistant')
            $output[0].Text | Should -Be $Question
            $output[1].Text | Should -Match 'Hello Jane Doe!'
            ($output | Format-Table | Out-String) | Should -Match 'Role\s+Text'
        }

        It 'composes in one pipeline: thread, message, run -Wait, the run''s messages' {
            $messages = @(New-OaiThread | Add-OaiMessage -Content 'hi' | Start-OaiRun -Assistant $Assistant -Wait | Get-OaiMessage)
            $messages.Count | Should -Be 1
            $messages[0].Role | Should -Be 'assistant'
            $messages[0].Text | Should -Be 'You said: hi'
        }
    }

    Context 'Objects and lists' -Tag 'Wire' {
        It 'gets an assistant by id, by pipeline and in the list' {
            $got = Get-OaiAssistant -Id $Assistant.Id
            $got.Name | Should -Be 'Math Tutor'
            $got.Model | Should -Be 'gpt-4'
            $got.Tools.Type | Should -Be 'code_interpreter'
            $got.CreatedAt | Should -BeOfType System.DateTimeOffset
            ($Assistant | Get-OaiAssistant).Id | Should -Be $Assistant.Id
            (Get-OaiAssistant).Id | Should -Contain $Assistant.Id
            (Get-OaiAssistant -Name 'Math*').Id | Should -Contain $Assistant.Id
            Get-OaiAssistant -Name 'NoSuchName*' | Should -BeNullOrEmpty
        }

        It 'keeps metadata on threads and messages' {
            $thread = New-OaiThread -Metadata @{ ticket = 'INC-42' }
            $thread.Metadata['ticket'] | Should -Be 'INC-42'
            (Get-OaiThread -Id $thread.Id).Metadata['ticket'] | Should -Be 'INC-42'
            if ($Protocol -eq 'Assistants') {
                $m = $thread | Add-OaiMessage -Content 'note' -Metadata @{ source = 'runbook' }
                $m.Metadata['source'] | Should -Be 'runbook'
                $m.ThreadId | Should -Be $thread.Id
            }
            else {
                # Conversation items carry no metadata: say so rather than drop it silently.
                { $thread | Add-OaiMessage -Content 'note' -Metadata @{ source = 'runbook' } -ErrorAction Stop } |
                    Should -Throw -ErrorId 'OaiNotSupported,PSAssistants.Commands.AddOaiMessageCommand'
            }
        }

        It 'lists every message of a long thread across pages, oldest first; -First and -Order desc' {
            $thread = New-OaiThread
            1..130 | ForEach-Object { $null = $thread | Add-OaiMessage -Content "message $_" }
            Clear-OaiTestRequest -Emulator $Emulator

            $all = @($thread | Get-OaiMessage)
            $all.Count | Should -Be 130
            $all[0].Text | Should -Be 'message 1'
            $all[129].Text | Should -Be 'message 130'
            $pages = @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'GET' })
            $pages.Count | Should -BeGreaterThan 1

            (@($thread | Get-OaiMessage -First 3)).Text | Should -Be @('message 1', 'message 2', 'message 3')
            (@($thread | Get-OaiMessage -Order desc -First 2)).Text | Should -Be @('message 130', 'message 129')
        }

        It 'gets one message by id' {
            $thread = New-OaiThread
            $m = $thread | Add-OaiMessage -Content 'find me'
            (Get-OaiMessage -Thread $thread -Id $m.Id).Text | Should -Be 'find me'
        }

        It 'gets, lists, waits for and cancels runs' {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'take your time [delay:30000]'
            $run = $thread | Start-OaiRun -Assistant $Assistant.Id
            $run.Status | Should -BeIn @('queued', 'in_progress')
            ($run | Get-OaiRun).Id | Should -Be $run.Id
            (Get-OaiRun -Thread $thread -Id $run.Id).Status | Should -BeIn @('queued', 'in_progress')
            if ($Protocol -eq 'Assistants') {
                (Get-OaiRun -Thread $thread).Id | Should -Contain $run.Id
            }
            else {
                { Get-OaiRun -Thread $thread -ErrorAction Stop } |
                    Should -Throw -ErrorId 'OaiNotSupported,PSAssistants.Commands.GetOaiRunCommand'
            }

            $stopped = $run | Stop-OaiRun -Confirm:$false
            $stopped.Status | Should -BeIn @('cancelling', 'cancelled')
            $final = $run | Wait-OaiRun -TimeoutSec 30
            $final.Status | Should -Be 'cancelled'
            $final.IsTerminal | Should -BeTrue
        }
    }

    Context 'Binding' {
        It 'binds a positional value to -Content, -Assistant and -Path when the thread or assistant comes from the pipeline' {
            $thread = New-OaiThread
            $m = $thread | Add-OaiMessage 'positional text'
            $m.Text | Should -Be 'positional text'
            $run = $thread | Start-OaiRun $Assistant -Wait
            $run.Status | Should -Be 'completed'
            $file = Join-Path $TestDrive "positional-$Protocol.json"
            $Assistant | Export-OaiAssistant $file
            (Get-Content $file -Raw | ConvertFrom-Json).assistants[0].id | Should -Be $Assistant.Id
        }

        It 'gets the assistant of a piped run, and refuses a thread where an assistant is meant' {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage 'hi'
            $run = $thread | Start-OaiRun $Assistant -Wait
            ($run | Get-OaiAssistant).Id | Should -Be $Assistant.Id
            Clear-OaiTestRequest -Emulator $Emulator
            { $thread | Remove-OaiAssistant -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.RemoveOaiAssistantCommand'
            Get-OaiTestRequest -Emulator $Emulator -Count | Should -Be 0
        }
    }

    Context 'Safety: -WhatIf, ids and input checked before any request' {
        It 'sends nothing with -WhatIf' {
            $thread = New-OaiThread
            Clear-OaiTestRequest -Emulator $Emulator
            $thread | Remove-OaiThread -WhatIf
            $Assistant | Remove-OaiAssistant -WhatIf
            Get-OaiTestRequest -Emulator $Emulator -Count | Should -Be 0
            (Get-OaiThread -Id $thread.Id).Id | Should -Be $thread.Id
        }

        It 'refuses the id <Id> before any request' -ForEach @(
            @{ Id = '../files' }, @{ Id = 'a/b?c' }, @{ Id = 'thread_x/../../assistants' }, @{ Id = '..' }
        ) {
            Clear-OaiTestRequest -Emulator $Emulator
            { Get-OaiThread -Id $Id -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiInvalidId,PSAssistants.Commands.GetOaiThreadCommand'
            { Add-OaiMessage -Thread $Id -Content 'x' -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiInvalidId,PSAssistants.Commands.AddOaiMessageCommand'
            Get-OaiTestRequest -Emulator $Emulator -Count | Should -Be 0
        }

        It 'refuses empty content and oversized metadata before any request' {
            $thread = New-OaiThread
            Clear-OaiTestRequest -Emulator $Emulator
            { $thread | Add-OaiMessage -Content '   ' -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.AddOaiMessageCommand'
            $tooMany = @{}; 1..17 | ForEach-Object { $tooMany["k$_"] = 'v' }
            { New-OaiThread -Metadata $tooMany -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.NewOaiThreadCommand'
            { New-OaiThread -Metadata @{ ('k' * 65) = 'v' } -ErrorAction Stop } | Should -Throw
            { New-OaiThread -Metadata @{ k = ('v' * 513) } -ErrorAction Stop } | Should -Throw
            Get-OaiTestRequest -Emulator $Emulator -Count | Should -Be 0
        }

        It 'refuses plain http to another host unless -AllowInsecureHttp' {
            { Connect-OaiService -ApiKey 'k' -BaseUri 'http://example.com/v1' -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.ConnectOaiServiceCommand'
            $s = Connect-OaiService -ApiKey 'k' -BaseUri 'http://example.com/v1' -AllowInsecureHttp -PassThru
            $s.BaseUri | Should -Be 'http://example.com/v1'
            Connect-OaiService -ApiKey $Key -BaseUri $Emulator.BaseUri -Protocol $Protocol
        }
    }

    Context 'API errors' {
        It 'maps a missing object to OaiNotFound with status, API message and request id' {
            $err = $null
            Get-OaiThread -Id 'thread_doesnotexist' -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiNotFound,PSAssistants.Commands.GetOaiThreadCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].Exception.StatusCode | Should -Be 404
            $err[0].Exception.RequestId | Should -Match '^req_'
            $err[0].Exception.Message | Should -Match 'thread_doesnotexist'
            $err[0].Exception.Message | Should -Match $err[0].Exception.RequestId
        }

        It 'maps a rejected key to OaiAuthenticationFailed without showing the key' {
            $bad = 'sk-invalid-TOPSECRET-0042'
            $s = Connect-OaiService -ApiKey $bad -BaseUri $Emulator.BaseUri -Protocol $Protocol -PassThru
            Connect-OaiService -ApiKey $Key -BaseUri $Emulator.BaseUri -Protocol $Protocol
            $err = $null
            New-OaiThread -Session $s -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiAuthenticationFailed,PSAssistants.Commands.NewOaiThreadCommand'
            $err[0].Exception.StatusCode | Should -Be 401
            ($err[0] | Out-String) + $err[0].Exception.ToString() | Should -Not -Match 'TOPSECRET'
        }

        It 'returns a failed run and writes OaiRunFailed; -ErrorAction Stop stops' {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'this will [fail]'
            $err = $null
            $run = $thread | Start-OaiRun -Assistant $Assistant -Wait -ErrorVariable err -ErrorAction SilentlyContinue
            $run.Status | Should -Be 'failed'
            $run.LastError.Code | Should -Be 'server_error'
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiRunFailed,PSAssistants.Commands.StartOaiRunCommand'
            $err[0].TargetObject.Id | Should -Be $run.Id

            $null = $thread | Add-OaiMessage -Content 'again [fail]'
            { $thread | Start-OaiRun -Assistant $Assistant -Wait -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiRunFailed,PSAssistants.Commands.StartOaiRunCommand'
        }

        It 'gives up a wait, with the server''s error, when every poll keeps failing' {
            $s = Connect-OaiService -ApiKey $Key -BaseUri $Emulator.BaseUri -Protocol $Protocol -NoStreaming -MaxRetries 0 -PassThru
            Connect-OaiService -ApiKey $Key -BaseUri $Emulator.BaseUri -Protocol $Protocol
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage 'slow [delay:60000]'
            Set-OaiTestFault -Emulator $Emulator -Rule @{ method = 'GET'; path_regex = '/(runs|responses)/(run|resp)_'; action = 'status'; status = 500; count = 50 }
            try {
                $err = $null
                $null = $thread | Start-OaiRun $Assistant -Wait -Session $s -ErrorVariable err -ErrorAction SilentlyContinue
                $err[0].FullyQualifiedErrorId | Should -Be 'OaiServerError,PSAssistants.Commands.StartOaiRunCommand'
                @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'GET' -and $_.status -eq 500 }).Count | Should -Be 10
            }
            finally {
                Clear-OaiTestFault -Emulator $Emulator
            }
        }

        It 'bounds -Wait with -TimeoutSec and says so clearly' {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'slow [delay:20000]'
            $err = $null
            $run = $thread | Start-OaiRun -Assistant $Assistant -Wait -TimeoutSec 1 -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiRunWaitTimeout,PSAssistants.Commands.StartOaiRunCommand'
            $err[0].Exception.Message | Should -Match $run.Id
            $run.IsTerminal | Should -BeFalse
            $null = $run | Stop-OaiRun -Confirm:$false
        }
    }

    Context 'Sessions and the wire' {
        It 'sends the headers the protocol needs and never the key in any output stream' {
            Clear-OaiTestRequest -Emulator $Emulator
            $all = & {
                $t = New-OaiThread -Verbose -Debug
                $t | Add-OaiMessage -Content 'hello' -Verbose -Debug | Start-OaiRun -Assistant $Assistant -Wait -Verbose -Debug
                Get-OaiSession | Format-List * | Out-String
                Get-OaiSession | ConvertTo-Json -Depth 3
            } *>&1 | Out-String
            $all | Should -Match 'VERBOSE|POST'
            $all | Should -Not -Match ([regex]::Escape($Key))

            $requests = @(Get-OaiTestRequest -Emulator $Emulator)
            $requests.Count | Should -BeGreaterThan 2
            foreach ($r in $requests) {
                $r.headers.authorization | Should -Be "Bearer $Key"
                $r.headers.'user-agent' | Should -Match '^PSAssistants/\d+\.\d+\.\d+'
                if ($Protocol -eq 'Assistants') { $r.headers.'openai-beta' | Should -Be 'assistants=v2' }
            }
            $posts = @($requests | Where-Object method -EQ 'POST')
            $posts.headers.'idempotency-key' | Should -Not -BeNullOrEmpty
        }

        It 'uses -Session instead of the default session' {
            $other = Connect-OaiService -ApiKey 'sk-other-session' -BaseUri $Emulator.BaseUri -Protocol $Protocol -PassThru
            Connect-OaiService -ApiKey $Key -BaseUri $Emulator.BaseUri -Protocol $Protocol
            Clear-OaiTestRequest -Emulator $Emulator
            $null = New-OaiThread -Session $other
            (Get-OaiTestRequest -Emulator $Emulator)[0].headers.authorization | Should -Be 'Bearer sk-other-session'
            (Get-OaiSession).Protocol | Should -Be $Protocol
        }

        It 'builds the default session from the environment when Connect-OaiService was never called' {
            $result = Invoke-OaiTestPwsh -Command @"
Import-Module '$(Get-OaiTestModulePath)'
`$t = New-OaiThread
`$s = Get-OaiSession
"`$(`$t.GetType().FullName)|`$(`$s.ApiKeySource)|`$(`$s.BaseUri)"
"@ -Environment @{ OPENAI_API_KEY = $Key; OPENAI_BASE_URL = $Emulator.BaseUri; OPENAI_PROTOCOL = $Protocol }
            $result.ExitCode | Should -Be 0
            $result.Output[-1] | Should -Be "PSAssistants.OaiThread|Environment|$($Emulator.BaseUri)"
            ($result.Output -join "`n") | Should -Not -Match ([regex]::Escape($Key))
        }
    }
}
