#Requires -Version 7.4
# Assistants by name wherever an assistant is taken, once per protocol: the one assistant of the session with
# that name (local store on Responses, the server's list on Assistants v2), clear errors when none or several
# match, and tab completion of names as well as ids.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants'; RunPath = '*/runs'; Where = 'on the server' }
        @{ Protocol = 'Responses'; RunPath = '*/responses'; Where = 'in the local assistant store' }
    )
}

Describe 'Assistants by name on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-names'
        $script:Emulator, $script:StorePath = $Setup.Emulator, $Setup.StorePath
        $script:Tutor = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4' -Tool code_interpreter `
            -Instructions 'You are a personal math tutor. Write and run code to answer math questions.'
        $null = New-OaiAssistant -Name 'Twin' -Model 'gpt-4'
        $null = New-OaiAssistant -Name 'Twin' -Model 'gpt-4o'

        function Get-Requests([string] $Method, [string] $Like) {
            @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq $Method -and ($_.path -split '\?')[0] -like $Like })
        }
    }

    AfterAll {
        Exit-OaiTestProtocol $Setup
    }

    It 'runs the assistant named on Start-OaiRun -Assistant, in any case' {
        $thread = New-OaiThread
        $null = $thread | Add-OaiMessage -Content 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
        $run = $thread | Start-OaiRun -Assistant 'Math Tutor' -Wait
        $run.Status | Should -Be 'completed'
        $run.AssistantId | Should -Be $Tutor.Id
        (@($thread | Get-OaiMessage)[-1]).Text | Should -Match 'x = 1'
        (Start-OaiRun 'math tutor' -Message 'hi' -Wait).AssistantId | Should -Be $Tutor.Id
    }

    It 'lists the assistants once for many piped threads' {
        $threads = 1..3 | ForEach-Object { New-OaiThread -Message "question $_" }
        Clear-OaiTestRequest -Emulator $Emulator
        $runs = @($threads | Start-OaiRun -Assistant 'Math Tutor')
        $runs.Count | Should -Be 3
        $runs | ForEach-Object { $_.AssistantId | Should -Be $Tutor.Id }
        if ($Protocol -eq 'Assistants') { @(Get-Requests GET '*/assistants').Count | Should -Be 1 }
    }

    It 'refuses a name that <Case>, with <ErrorId> and no run' -ForEach @(
        @{ Case = 'no assistant has'; Name = 'Nobody'; ErrorId = 'OaiAssistantNameNotFound'; Category = 'ObjectNotFound'; Says = "No assistant is named 'Nobody' {0} (" }
        @{ Case = 'two assistants have'; Name = 'Twin'; ErrorId = 'OaiAssistantNameAmbiguous'; Category = 'InvalidArgument'; Says = "2 assistants are named 'Twin' {0}: " }
    ) {
        $thread = New-OaiThread -Message 'hello'
        Clear-OaiTestRequest -Emulator $Emulator
        $err = $null
        $run = $thread | Start-OaiRun -Assistant $Name -Wait -ErrorVariable err -ErrorAction SilentlyContinue
        $run | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,PSAssistants.Commands.StartOaiRunCommand"
        "$($err[0].CategoryInfo.Category)" | Should -Be $Category
        # Where the names were looked up is the adapter's to say (the local store on Responses, the server on v2).
        $err[0].Exception.Message | Should -BeLike (($Says -f $Where) + '*')
        @(Get-Requests POST $RunPath).Count | Should -Be 0
    }

    It 'takes a name on Get-, Set-, Export- and Remove-OaiAssistant' {
        (Get-OaiAssistant -Id 'Math Tutor').Id | Should -Be $Tutor.Id
        (Set-OaiAssistant -Assistant 'Math Tutor' -Description 'Solves equations.').Description | Should -Be 'Solves equations.'
        $path = Join-Path $TestDrive "tutor-$Protocol.json"
        Export-OaiAssistant -Assistant 'Math Tutor' -Path $path
        (Get-Content -Raw $path | ConvertFrom-Json).assistants[0].id | Should -Be $Tutor.Id
        $gone = New-OaiAssistant -Name 'Short Lived' -Model 'gpt-4'
        Remove-OaiAssistant -Assistant 'Short Lived' -Confirm:$false
        { Get-OaiAssistant -Id $gone.Id -ErrorAction Stop } | Should -Throw
        { Get-OaiAssistant -Id 'Twin' -ErrorAction Stop } | Should -Throw -ErrorId 'OaiAssistantNameAmbiguous,PSAssistants.Commands.GetOaiAssistantCommand'
    }

    It 'completes names as well as ids, and asks no server while typing' {
        Clear-OaiTestRequest -Emulator $Emulator
        $line = 'Start-OaiRun -Message hi -Assistant Math'
        $names = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
        $names | Should -Contain "'Math Tutor'"
        @(Get-Requests GET '*/assistants*').Count | Should -Be 0
        $line = "Start-OaiRun -Message hi -Assistant $($Tutor.Id.Substring(0, 8))"
        $ids = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
        $ids | Should -Contain $Tutor.Id
    }

    It 'completes an assistant this session never saw only where assistants are local (no server asked)' {
        # Made behind the session's back (another process, another runbook): never written to this pipeline.
        $name = "Unseen Tutor $(Get-Random)"
        if ($Protocol -eq 'Responses') {
            $store = Get-Content -Raw $StorePath | ConvertFrom-Json
            $store.assistants += [pscustomobject]@{ id = 'asst_local_unseen' + (Get-Random); name = $name; model = 'gpt-4'; created_at = 1 }
            $store | ConvertTo-Json -Depth 20 | Set-Content -Path $StorePath
        }
        else {
            $null = Invoke-RestMethod -Method Post -Uri "$($Emulator.BaseUri)/assistants" -ContentType 'application/json' `
                -Headers @{ Authorization = 'Bearer sk-test-names'; 'OpenAI-Beta' = 'assistants=v2' } `
                -Body (@{ model = 'gpt-4'; name = $name } | ConvertTo-Json)
        }
        Clear-OaiTestRequest -Emulator $Emulator
        $line = 'Start-OaiRun -Message hi -Assistant Unseen'
        $names = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText)
        # The adapter says whether listing assistants is a file read (Responses) or a request (v2, not made while typing).
        if ($Protocol -eq 'Responses') { $names | Should -Contain "'$name'" } else { $names | Should -Not -Contain "'$name'" }
        @(Get-OaiTestRequest -Emulator $Emulator).Count | Should -Be 0
    }
}
