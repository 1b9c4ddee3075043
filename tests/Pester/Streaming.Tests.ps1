#Requires -Version 7.4
# Streaming, once per protocol: -Stream prints the text as it arrives, -Wait follows the stream (no
# polls), a stream cut midway loses and repeats nothing, and Ctrl+C cancels the run on the server.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants'; RunPath = '*/threads/*/runs'; PollPath = '*/runs/run_*' }
        @{ Protocol = 'Responses'; RunPath = '*/responses'; PollPath = '*/responses/resp_*' }
    )
}

Describe 'Streaming on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        Import-OaiTestModule
        $script:Emulator = Start-OaiTestEmulator
        $script:Store = Join-Path $TestDrive "assistants-$Protocol.json"
        $script:Key = 'sk-test-stream'
        Connect-OaiService -ApiKey $Key -BaseUri $Emulator.BaseUri -Protocol $Protocol -AssistantStorePath $Store
        $script:Assistant = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4' -Tool code_interpreter `
            -Instructions 'You are a personal math tutor. Write and run code to answer math questions.'

        # What -Stream wrote to the host, as one string (Write-Host goes to the information stream).
        function Split-Stream([object[]] $Output) {
            [pscustomobject]@{
                Text = -join @($Output | Where-Object { $_ -is [System.Management.Automation.InformationRecord] } |
                        ForEach-Object { $_.MessageData.Message })
                Run  = @($Output | Where-Object { $_ -is [PSAssistants.OaiRun] })
            }
        }
        function Start-Question([string] $Text) {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage $Text
            $thread
        }
    }

    AfterAll {
        Invoke-OaiTestControl -Emulator $Emulator -Method POST -Path '/__emulator/config' -Body @{ cut_stream_after_events = $null } | Out-Null
        Disconnect-OaiService
        $Emulator | Stop-OaiTestEmulator
    }

    It 'prints the assistant''s text as it arrives, equal to the final message, then returns the run' {
        $thread = Start-Question 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
        $out = Split-Stream @($thread | Start-OaiRun $Assistant -Stream -AdditionalInstructions 'Please address the user as Jane Doe.' 6>&1)
        $out.Run.Count | Should -Be 1
        $out.Run[0].Status | Should -Be 'completed'
        $reply = @($thread | Get-OaiMessage)[-1]
        $reply.Role | Should -Be 'assistant'
        $out.Text | Should -Be ($reply.Text + "`n")
        $out.Text | Should -Match 'Hello Jane Doe!'
    }

    It 'masks the session''s key that the model repeats split across <Chunk>-character deltas' -ForEach @(
        @{ Chunk = 9 }, @{ Chunk = 5 }, @{ Chunk = 1 }
    ) {
        # The emulator echoes the user text, cut every <Chunk> characters: the key ('sk-test-stream', 14
        # characters) arrives in two, three or fourteen pieces.
        $thread = Start-Question "My key is $Key, keep it [chunk:$Chunk]"
        $out = Split-Stream @($thread | Start-OaiRun $Assistant -Stream 6>&1)
        $out.Run[0].Status | Should -Be 'completed'
        $out.Text | Should -Be "You said: My key is ***, keep it [chunk:$Chunk]`n"
        $out.Text | Should -Not -Match 'sk-'
    }

    It 'follows the stream with -Wait and makes no poll request' {
        $thread = Start-Question 'hello there'
        Clear-OaiTestRequest -Emulator $Emulator
        $run = $thread | Start-OaiRun $Assistant -Wait
        $run.Status | Should -Be 'completed'
        $requests = @(Get-OaiTestRequest -Emulator $Emulator)
        @($requests | Where-Object { $_.method -eq 'POST' -and $_.path -like $RunPath }).Count | Should -Be 1
        @($requests | Where-Object { $_.method -eq 'GET' }).Count | Should -Be 0
        ($requests | Where-Object method -EQ 'POST').body | ConvertFrom-Json | ForEach-Object stream | Should -BeTrue
    }

    It 'loses and repeats nothing when the stream is cut midway, and returns the server''s final run' {
        $thread = Start-Question 'Please explain how to solve 5x - 4 = 21 in several steps [delay:900]'
        Invoke-OaiTestControl -Emulator $Emulator -Method POST -Path '/__emulator/config' -Body @{ cut_stream_after_events = 6 } | Out-Null
        Clear-OaiTestRequest -Emulator $Emulator
        $out = Split-Stream @($thread | Start-OaiRun $Assistant -Stream 6>&1)
        $out.Run[0].Status | Should -Be 'completed'
        $reply = @($thread | Get-OaiMessage)[-1]
        $out.Text | Should -Be ($reply.Text + "`n")
        # The cut happened: the module had to resume (Responses) or poll (Assistants) after it.
        @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'GET' -and $_.path -like $PollPath }).Count |
            Should -BeGreaterThan 0
    }

    It 'streams Wait-OaiRun where the protocol can attach to a run, else polls' {
        $thread = Start-Question 'wait for me [delay:600]'
        $run = $thread | Start-OaiRun $Assistant
        $done = $run | Wait-OaiRun
        $done.Status | Should -Be 'completed'
        $done.Id | Should -Be $run.Id
    }

    It 'shows the status and elapsed time with Write-Progress, and nothing when progress is silenced' {
        $thread = Start-Question 'show me progress [delay:1500]'
        $records = foreach ($preference in 'Continue', 'SilentlyContinue') {
            $ps = [powershell]::Create()
            $null = $ps.AddScript({
                    param($module, $uri, $key, $protocol, $store, $threadId, $assistantId, $preference)
                    $ProgressPreference = $preference
                    Import-Module $module
                    Connect-OaiService -ApiKey $key -BaseUri $uri -Protocol $protocol -AssistantStorePath $store
                    $null = Start-OaiRun -Thread $threadId -Assistant $assistantId -Wait
                }).AddArgument((Get-OaiTestModulePath)).AddArgument($Emulator.BaseUri).AddArgument($Key).
            AddArgument($Protocol).AddArgument($Store).AddArgument($thread.Id).AddArgument($Assistant.Id).AddArgument($preference)
            $null = $ps.Invoke()
            , @($ps.Streams.Progress)
            $ps.Dispose()
            $null = $thread | Add-OaiMessage 'again [delay:1500]'
        }
        $shown = @($records[0] | Where-Object { $_.Activity -like 'Waiting for run*' })
        $shown.Count | Should -BeGreaterThan 0
        $shown[0].StatusDescription | Should -Match '^Status: \w+ \(\d+ s\)$'
        @($records[1]).Count | Should -Be 0
    }

    Context 'Ctrl+C' {
        BeforeAll {
            # Runs Start-OaiRun -Wait in a second runspace and stops it, as Ctrl+C does (StopProcessing).
            function Invoke-AndStop([string] $ThreadId, [switch] $NoCancelOnStop) {
                $ps = [powershell]::Create()
                $null = $ps.AddScript({
                        param($module, $uri, $key, $protocol, $store, $threadId, $assistantId, $noCancel)
                        Import-Module $module
                        Connect-OaiService -ApiKey $key -BaseUri $uri -Protocol $protocol -AssistantStorePath $store
                        Start-OaiRun -Thread $threadId -Assistant $assistantId -Wait -NoCancelOnStop:$noCancel
                    }).AddArgument((Get-OaiTestModulePath)).AddArgument($Emulator.BaseUri).AddArgument($Key).
                AddArgument($Protocol).AddArgument($Store).AddArgument($ThreadId).AddArgument($Assistant.Id).AddArgument([bool]$NoCancelOnStop)
                $handle = $ps.BeginInvoke()
                $deadline = [DateTime]::UtcNow.AddSeconds(20)
                while (-not (Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'POST' -and $_.path -like $RunPath })) {
                    if ([DateTime]::UtcNow -gt $deadline) { throw 'The run was never started.' }
                    Start-Sleep -Milliseconds 50
                }
                Start-Sleep -Milliseconds 300
                $ps.Stop()
                $state = $ps.InvocationStateInfo.State
                $ps.Dispose()
                $state
            }
        }

        It 'cancels the run on the server and stops' {
            $thread = Start-Question 'a long one [delay:30000]'
            Clear-OaiTestRequest -Emulator $Emulator
            Invoke-AndStop -ThreadId $thread.Id | Should -Be 'Stopped'
            @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/cancel' }).Count |
                Should -Be 1
        }

        It 'leaves the run going with -NoCancelOnStop' {
            $thread = Start-Question 'another long one [delay:30000]'
            Clear-OaiTestRequest -Emulator $Emulator
            Invoke-AndStop -ThreadId $thread.Id -NoCancelOnStop | Should -Be 'Stopped'
            @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.path -like '*/cancel' }).Count | Should -Be 0
        }
    }
}
