#Requires -Version 7.4
# The rest of the surface, once per protocol: updates, message removal, run steps, a thread made with its
# messages, create-thread-and-run, -After cursors and tab completion of ids.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants' }
        @{ Protocol = 'Responses' }
    )
}

Describe 'The rest of the surface on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-surface'
        $script:Emulator = $Setup.Emulator
        $script:Assistant = New-OaiAssistant -Name 'Surface' -Model 'gpt-4' -Instructions 'Be brief.'
        function global:Get-PsaAnswer { param([int] $N) "answer $N" }
    }

    AfterAll {
        Remove-Item Function:Get-PsaAnswer -ErrorAction Ignore
        Exit-OaiTestProtocol $Setup
    }

    It 'changes an assistant and keeps what was not given' {
        $a = New-OaiAssistant -Name 'Before' -Model 'gpt-4' -Instructions 'Old.' -Metadata @{ team = 'ops' }
        $b = $a | Set-OaiAssistant -Name 'After' -Instructions 'New.'
        $b.Id | Should -Be $a.Id
        $b.Name | Should -Be 'After'
        $b.Instructions | Should -Be 'New.'
        $b.Model | Should -Be 'gpt-4'
        (Get-OaiAssistant -Id $a.Id).Name | Should -Be 'After'
    }

    It 'replaces a thread''s metadata' {
        $t = New-OaiThread -Metadata @{ stage = 'new' }
        ($t | Set-OaiThread -Metadata @{ stage = 'done' }).Metadata['stage'] | Should -Be 'done'
        (Get-OaiThread -Id $t.Id).Metadata['stage'] | Should -Be 'done'
    }

    It 'changes message metadata on Assistants and says clearly that Responses has none' {
        $t = New-OaiThread
        $m = $t | Add-OaiMessage 'tag me'
        if ($Protocol -eq 'Assistants') {
            ($m | Set-OaiMessage -Metadata @{ tagged = 'yes' }).Metadata['tagged'] | Should -Be 'yes'
        }
        else {
            { $m | Set-OaiMessage -Metadata @{ tagged = 'yes' } -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiNotSupported,PSAssistants.Commands.SetOaiMessageCommand'
        }
    }

    It 'removes a message' {
        $t = New-OaiThread
        $keep = $t | Add-OaiMessage 'keep'
        $drop = $t | Add-OaiMessage 'drop'
        $drop | Remove-OaiMessage -Confirm:$false
        @($t | Get-OaiMessage).Id | Should -Be @($keep.Id)
    }

    It 'makes a thread with its first messages in one call' {
        $t = New-OaiThread -Message 'first', 'second'
        (@($t | Get-OaiMessage)).Text | Should -Be @('first', 'second')
    }

    It 'creates a thread and runs on it when Start-OaiRun gets -Message instead of a thread' {
        $run = Start-OaiRun -Assistant $Assistant -Message 'I need to solve the equation `3x + 11 = 14`.' -Wait
        $run.Status | Should -Be 'completed'
        $messages = @(Get-OaiMessage -Thread $run.ThreadId)
        $messages.Role | Should -Be @('user', 'assistant')
        $messages[1].Text | Should -Match 'x = 1'
        $queued = Start-OaiRun -Assistant $Assistant -Message 'no wait'
        $queued.ThreadId | Should -Not -BeNullOrEmpty
        ($queued | Wait-OaiRun).Status | Should -Be 'completed'
    }

    It 'lists the steps of a run, with tool calls' {
        $a = New-OaiAssistant -Name 'Stepper' -Model 'gpt-4' -Function 'Get-PsaAnswer'
        $t = New-OaiThread -Message 'call Get-PsaAnswer({"N":7})'
        $first = $t | Start-OaiRun $a -Wait -NoAutoTool
        $first.Status | Should -Be 'requires_action'
        $steps = @($first | Get-OaiRunStep)
        $calls = @($steps | Where-Object Type -EQ 'tool_calls')
        $calls.Count | Should -Be 1
        $calls[0].ToolCalls[0].Name | Should -Be 'Get-PsaAnswer'
        $done = $first | Wait-OaiRun
        $done.Status | Should -Be 'completed'
        $created = @($done | Get-OaiRunStep | Where-Object Type -EQ 'message_creation')
        $created.Count | Should -Be 1
        $created[0].MessageId | Should -Be (@($t | Get-OaiMessage)[-1].Id)
        if ($Protocol -eq 'Assistants') {
            @($done | Get-OaiRunStep | Where-Object Type -EQ 'tool_calls')[0].ToolCalls[0].Output | Should -Be 'answer 7'
        }
    }

    It 'pages from a cursor with -After' {
        $t = New-OaiThread -Message 'm1', 'm2', 'm3'
        $all = @($t | Get-OaiMessage)
        (@($t | Get-OaiMessage -After $all[0].Id)).Text | Should -Be @('m2', 'm3')
        (@($t | Get-OaiMessage -After $all[0].Id -First 1)).Text | Should -Be @('m2')
        @($t | Get-OaiMessage -All).Count | Should -Be 3
    }

    It 'completes ids of assistants, threads and runs seen in this session' {
        $t = New-OaiThread
        $prefix = $t.Id.Substring(0, 8)
        $completion = TabExpansion2 -inputScript "Get-OaiThread -Id $prefix" -cursorColumn ("Get-OaiThread -Id $prefix").Length
        $completion.CompletionMatches.CompletionText | Should -Contain $t.Id
        $completion = TabExpansion2 -inputScript 'Start-OaiRun -Assistant ' -cursorColumn 'Start-OaiRun -Assistant '.Length
        $completion.CompletionMatches.CompletionText | Should -Contain $Assistant.Id
    }
}
