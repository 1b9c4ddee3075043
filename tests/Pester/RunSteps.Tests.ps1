#Requires -Version 7.4
# The steps of a whole -Wait, once per protocol: after answered tool calls, the run that -Wait returns lists
# the calls (with their outputs) and the message, even on Responses where each round of answers is a new
# response. -Run also takes a run id with -Thread.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants' }
        @{ Protocol = 'Responses' }
    )
}

Describe 'Run steps of a whole wait on <Protocol>' -ForEach $protocols -Tag 'Wire' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-steps'
        $script:Emulator = $Setup.Emulator
        function global:Get-PsaStepAnswer { param([string] $Q) "answer for $Q" }
        $script:Ops = New-OaiAssistant -Name 'Ops' -Model 'gpt-4o' -Function (Get-Command Get-PsaStepAnswer)
        $script:Thread = New-OaiThread
        $null = $Thread | Add-OaiMessage -Content 'please call Get-PsaStepAnswer({"Q": "disk"})'
        $script:Run = $Thread | Start-OaiRun -Assistant $Ops -Wait
    }

    AfterAll {
        Remove-Item Function:Get-PsaStepAnswer -ErrorAction Ignore
        Exit-OaiTestProtocol $Setup
    }

    It 'lists the tool call with its output, then the message' {
        $Run.Status | Should -Be 'completed'
        $steps = @($Run | Get-OaiRunStep)
        $steps.Type | Should -Be @('tool_calls', 'message_creation')
        $call = $steps[0].ToolCalls[0]
        $call.Name | Should -Be 'Get-PsaStepAnswer'
        ($call.Arguments | ConvertFrom-Json).Q | Should -Be 'disk'
        $call.Output | Should -Match 'answer for disk'
        $steps[1].MessageId | Should -Be (@($Thread | Get-OaiMessage)[-1].Id)
        if ($Protocol -eq 'Responses') {
            # Two responses: the one that asked and the one that answered, which -Wait returned.
            $steps[0].RunId | Should -Not -Be $Run.Id
            $steps[1].RunId | Should -Be $Run.Id
        }
    }

    It 'runs the help''s example "see which tools a run called"' {
        $calls = @($Run | Get-OaiRunStep | Where-Object Type -eq 'tool_calls' | ForEach-Object ToolCalls)
        $calls.Count | Should -Be 1
        $calls[0].Name | Should -Be 'Get-PsaStepAnswer'
    }

    It 'pages and orders across the whole wait' {
        $all = @($Run | Get-OaiRunStep)
        (@($Run | Get-OaiRunStep -Order desc -First 1))[0].Id | Should -Be $all[-1].Id
        (@($Run | Get-OaiRunStep -After $all[0].Id)).Id | Should -Be @($all[1].Id)
    }

    It 'takes a run id on -Run with -Thread, and refuses one without' {
        $byId = @(Get-OaiRunStep -Run $Run.Id -Thread $Thread)
        $byId.Id | Should -Be @($Run | Get-OaiRunStep).Id
        @(Get-OaiRunStep -Run $Run.Id -Thread $Thread.Id).Count | Should -Be 2
        { Get-OaiRunStep -Run $Run.Id -ErrorAction Stop } |
            Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.GetOaiRunStepCommand'
        (Wait-OaiRun -Run $Run.Id -Thread $Thread).Status | Should -Be 'completed'
    }
}
