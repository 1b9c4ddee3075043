#Requires -Version 7.4
# $threads | Start-OaiRun -Wait, once per protocol: each run starts as its thread arrives and the runs are
# waited for together, at most -ThrottleLimit at a time, written in input order; Ctrl+C cancels every run
# started. Concurrency is read from the runs' own times at the server, never from a stopwatch.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants'; RunPath = '*/runs' }
        @{ Protocol = 'Responses'; RunPath = '*/responses' }
    )
}

Describe 'Several threads at once on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-parallel'
        $script:Key, $script:Emulator, $script:Store = $Setup.Key, $Setup.Emulator, $Setup.StorePath
        $script:Assistant = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4' -Instructions 'Be a tutor.'

        function New-Threads([int] $Count, [int] $DelayMs) {
            1..$Count | ForEach-Object { New-OaiThread -Message "question $_ [delay:$DelayMs]" }
        }
        function Get-RunPosts { @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'POST' -and ($_.path -split '\?')[0] -like $RunPath }) }
    }

    AfterAll {
        Exit-OaiTestProtocol $Setup
    }

    It 'starts every run before the first ends, and writes them in input order' {
        $threads = @(New-Threads 3 2500)
        $runs = @($threads | Start-OaiRun -Assistant $Assistant -Wait)
        $runs.Count | Should -Be 3
        $runs.ThreadId | Should -Be $threads.Id
        $runs | ForEach-Object { $_.Status | Should -Be 'completed' }
        # Waited one after the other, the third run would start after the first completed.
        $runs[2].CreatedAt | Should -BeLessThan $runs[0].CompletedAt
        $threads | ForEach-Object { (@($_ | Get-OaiMessage)[-1]).Text | Should -Match '^You said: question \d' }
    }

    It 'keeps at most -ThrottleLimit runs going' {
        $threads = @(New-Threads 4 1500)
        $runs = @($threads | Start-OaiRun -Assistant $Assistant -Wait -ThrottleLimit 2)
        $runs.ThreadId | Should -Be $threads.Id
        $runs[1].CreatedAt | Should -BeLessThan $runs[0].CompletedAt
        # The third starts only once the first has ended, the fourth once the second has.
        $runs[2].CreatedAt | Should -BeGreaterOrEqual $runs[0].CompletedAt
        $runs[3].CreatedAt | Should -BeGreaterOrEqual $runs[1].CompletedAt
    }

    It 'reports a failed run on its own and goes on with the others' {
        $threads = @(New-OaiThread -Message 'first'; New-OaiThread -Message 'second [fail]'; New-OaiThread -Message 'third')
        $err = $null
        $runs = @($threads | Start-OaiRun -Assistant $Assistant -Wait -ErrorVariable err -ErrorAction SilentlyContinue)
        $runs.Status | Should -Be @('completed', 'failed', 'completed')
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'OaiRunFailed,PSAssistants.Commands.StartOaiRunCommand'
    }

    It 'cancels every started run on Ctrl+C' {
        $threads = @(New-Threads 3 30000)
        Clear-OaiTestRequest -Emulator $Emulator
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($module, $uri, $key, $protocol, $store, $threadIds, $assistantId)
                Import-Module $module
                Connect-OaiService -ApiKey $key -BaseUri $uri -Protocol $protocol -AssistantStorePath $store
                $threadIds | Start-OaiRun -Assistant $assistantId -Wait
            }).AddArgument((Get-OaiTestModulePath)).AddArgument($Emulator.BaseUri).AddArgument($Key).
        AddArgument($Protocol).AddArgument($Store).AddArgument([string[]]$threads.Id).AddArgument($Assistant.Id)
        $handle = $ps.BeginInvoke()
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while (@(Get-RunPosts).Count -lt 3) {
                if ([DateTime]::UtcNow -gt $deadline) { throw "Only $(@(Get-RunPosts).Count) of 3 runs were started." }
                Start-Sleep -Milliseconds 50
            }
            Start-Sleep -Milliseconds 300
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
        $cancels = @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/cancel' })
        $cancels.Count | Should -Be 3
        # Each cancelled run, read back from the server: one per thread, all cancelled.
        $cancelled = foreach ($c in $cancels) {
            $parts = ($c.path -split '\?')[0] -split '/'
            $threadId = if ($Protocol -eq 'Assistants') { $parts[-4] } else { $threads[0].Id }
            Get-OaiRun -Thread $threadId -Id $parts[-2]
        }
        @($cancelled.ThreadId | Sort-Object) | Should -Be @($threads.Id | Sort-Object)
        $cancelled | ForEach-Object { $_.Status | Should -BeIn @('cancelled', 'cancelling') }
    }
}
