#Requires -Version 7.4
# A listed message's CreatedAt, RunId and AssistantId, once per protocol. Assistants v2 sends them on the wire;
# a Responses conversation item carries none, so they come from what the session saw (its additions and the
# responses it read), and stay empty for messages it never saw. The transcript example of Get-OaiMessage's
# help prints a time for every message.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants' }
        @{ Protocol = 'Responses' }
    )
}

Describe 'Message fields on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-fields'
        $script:Emulator, $script:StorePath = $Setup.Emulator, $Setup.StorePath
        $script:Assistant = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4' -Tool code_interpreter -Instructions 'Be a tutor.'
        function global:Get-PsaFieldsAnswer { param([string] $Q) "forty-two for $Q" }
        $script:Ops = New-OaiAssistant -Name 'Ops' -Model 'gpt-4o' -Function (Get-Command Get-PsaFieldsAnswer)
    }

    AfterAll {
        Remove-Item Function:Get-PsaFieldsAnswer -ErrorAction Ignore
        Exit-OaiTestProtocol $Setup
    }

    It 'fills CreatedAt of every message and RunId and AssistantId of the reply' {
        $before = [DateTimeOffset]::UtcNow.AddSeconds(-5)
        $thread = New-OaiThread
        $question = $thread | Add-OaiMessage -Content 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
        $question.CreatedAt | Should -BeOfType System.DateTimeOffset
        $run = $thread | Start-OaiRun -Assistant $Assistant -Wait

        $messages = @($thread | Get-OaiMessage)
        $messages.Count | Should -Be 2
        foreach ($m in $messages) {
            $m.CreatedAt | Should -BeOfType System.DateTimeOffset
            $m.CreatedAt | Should -BeGreaterOrEqual $before
        }
        $messages[0].RunId | Should -BeNullOrEmpty
        $messages[0].AssistantId | Should -BeNullOrEmpty
        $messages[1].RunId | Should -Be $run.Id
        $messages[1].AssistantId | Should -Be $Assistant.Id
        $messages[1].CreatedAt | Should -BeGreaterOrEqual $messages[0].CreatedAt

        # The transcript example of Get-OaiMessage's help: no blank times.
        $lines = @($thread | Get-OaiMessage | ForEach-Object { '{0:u} {1}: {2}' -f $_.CreatedAt, $_.Role, $_.Text })
        $lines | Should -HaveCount 2
        $lines | ForEach-Object { $_ | Should -Match '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ (user|assistant): ' }
    }

    It 'fills them for one message got by id, and in newest-first lists' {
        $thread = New-OaiThread
        $null = $thread | Add-OaiMessage -Content 'hello'
        $run = $thread | Start-OaiRun -Assistant $Assistant -Wait
        $reply = @($thread | Get-OaiMessage -Order desc)[0]
        $reply.Role | Should -Be 'assistant'
        $reply.RunId | Should -Be $run.Id
        $reply.CreatedAt | Should -BeOfType System.DateTimeOffset
        $one = Get-OaiMessage -Thread $thread -Id $reply.Id
        $one.RunId | Should -Be $run.Id
        $one.AssistantId | Should -Be $Assistant.Id
        $one.CreatedAt | Should -BeOfType System.DateTimeOffset
    }

    It 'gives the first messages of a thread made with them a time' {
        $run = New-OaiThread -Message 'first', 'second' | Start-OaiRun -Assistant $Assistant -Wait
        $messages = @(Get-OaiMessage -Thread $run.ThreadId)
        $messages.Count | Should -Be 3
        $messages | ForEach-Object { $_.CreatedAt | Should -BeOfType System.DateTimeOffset }
        $messages[2].RunId | Should -Be $run.Id
    }

    It 'names the response that wrote the reply after answered tool calls' {
        $thread = New-OaiThread
        $null = $thread | Add-OaiMessage -Content 'please call Get-PsaFieldsAnswer({"Q": "life"})'
        $run = $thread | Start-OaiRun -Assistant $Ops -Wait
        $run.Status | Should -Be 'completed'
        $reply = @($thread | Get-OaiMessage)[-1]
        $reply.Text | Should -Match 'forty-two for life'
        $reply.RunId | Should -Be $run.Id
        $reply.AssistantId | Should -Be $Ops.Id
        $reply.CreatedAt | Should -BeOfType System.DateTimeOffset
    }

    It 'says what stays empty: on Responses, messages this session never saw have no time, run or assistant' {
        $thread = New-OaiThread
        $null = $thread | Add-OaiMessage -Content 'hello'
        $run = $thread | Start-OaiRun -Assistant $Assistant -Wait
        # A new session (a new default) stands for another process or client reading the same thread.
        $other = Connect-OaiService -ApiKey 'sk-test-fields' -BaseUri $Emulator.BaseUri -Protocol $Protocol -AssistantStorePath $StorePath -PassThru
        $seen = @(Get-OaiMessage -Thread $thread.Id -Session $other)
        $seen.Count | Should -Be 2
        if ($Protocol -eq 'Responses') {
            $seen | ForEach-Object { $_.CreatedAt | Should -BeNullOrEmpty }
            $seen[1].RunId | Should -BeNullOrEmpty
            # A run's own messages come from its response, which tells all three.
            $ofRun = @(Get-OaiMessage -Thread $thread.Id -RunId $run.Id -Session $other)
            $ofRun[0].RunId | Should -Be $run.Id
            $ofRun[0].AssistantId | Should -Be $Assistant.Id
            $ofRun[0].CreatedAt | Should -BeOfType System.DateTimeOffset
        }
        else {
            $seen | ForEach-Object { $_.CreatedAt | Should -BeOfType System.DateTimeOffset }
            $seen[1].RunId | Should -Be $run.Id
        }
    }
}
