#Requires -Version 7.4
# A runbook that imports its assistant at every start must not leave one assistant behind per run: on
# Assistants v2 the assistant made from a definition carries a metadata mark, and importing the same
# definition again finds it and updates it to match.

Describe 'Import-OaiAssistant again on Assistants v2' -Tag 'Wire' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        # The definition is written on Responses (a local assistant), as a runbook author would ship it.
        $script:Setup = Enter-OaiTestProtocol -Protocol Responses -Key 'sk-test-import' -StorePath (Join-Path $TestDrive 'assistants.json')
        $script:Emulator, $script:Local = $Setup.Emulator, $Setup.Session
        $script:Definition = New-OaiAssistant -Name 'Runbook Helper' -Model 'gpt-4' -Tool code_interpreter `
            -Instructions 'Help the runbook.' -Metadata @{ owner = 'ops' }
        $script:File = Join-Path $TestDrive 'helper.json'
        $Definition | Export-OaiAssistant -Path $File
        Connect-OaiService -ApiKey 'sk-test-import' -BaseUri $Emulator.BaseUri -Protocol Assistants

        function Get-Named([string] $Name) { @(Get-OaiAssistant | Where-Object Name -eq $Name) }
    }

    AfterAll {
        Exit-OaiTestProtocol $Setup
    }

    It 'makes the assistant once, marked with the definition it came from' {
        $first = Import-OaiAssistant -Path $File
        $first.Id | Should -Not -Be $Definition.Id
        $first.Metadata['psassistants_import'] | Should -Be $Definition.Id
        $first.Metadata['owner'] | Should -Be 'ops'

        $second = Import-OaiAssistant -Path $File
        $third = Import-OaiAssistant -Path $File
        $second.Id | Should -Be $first.Id
        $third.Id | Should -Be $first.Id
        @(Get-Named 'Runbook Helper').Count | Should -Be 1
    }

    It 'updates the assistant it finds to match a changed definition' {
        $before = @(Get-Named 'Runbook Helper')[0]
        $changed = Set-OaiAssistant -Assistant $Definition -Instructions 'Help the runbook, briefly.' -Session $Local
        $changed | Export-OaiAssistant -Path $File -Force

        $again = Import-OaiAssistant -Path $File
        $again.Id | Should -Be $before.Id
        $again.Instructions | Should -Be 'Help the runbook, briefly.'
        (Get-OaiAssistant -Id $before.Id).Instructions | Should -Be 'Help the runbook, briefly.'
        @(Get-Named 'Runbook Helper').Count | Should -Be 1
    }

    It 'keeps the first mark when an imported assistant is exported and imported again' {
        $imported = @(Get-Named 'Runbook Helper')[0]
        $reexport = Join-Path $TestDrive 'reexported.json'
        $imported | Export-OaiAssistant -Path $reexport
        (Import-OaiAssistant -Path $reexport).Id | Should -Be $imported.Id
        @(Get-Named 'Runbook Helper').Count | Should -Be 1
    }

    It 'makes a separate assistant from a different definition with the same name' {
        $other = New-OaiAssistant -Name 'Runbook Helper' -Model 'gpt-4' -Instructions 'Another one.' -Session $Local
        $otherFile = Join-Path $TestDrive 'other.json'
        $other | Export-OaiAssistant -Path $otherFile
        $made = Import-OaiAssistant -Path $otherFile
        $made.Metadata['psassistants_import'] | Should -Be $other.Id
        @(Get-Named 'Runbook Helper').Count | Should -Be 2
        (Import-OaiAssistant -Path $otherFile).Id | Should -Be $made.Id
    }

    It 'refuses, before any request, a definition with no room left for the mark' {
        $full = @{}
        1..16 | ForEach-Object { $full["k$_"] = "v$_" }
        $crowded = New-OaiAssistant -Name 'Crowded' -Model 'gpt-4' -Metadata $full -Session $Local
        $crowdedFile = Join-Path $TestDrive 'crowded.json'
        $crowded | Export-OaiAssistant -Path $crowdedFile
        $count = Get-OaiTestRequest -Emulator $Emulator -Count
        { Import-OaiAssistant -Path $crowdedFile -ErrorAction Stop } |
            Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.ImportOaiAssistantCommand'
        Get-OaiTestRequest -Emulator $Emulator -Count | Should -Be $count
    }
}
