#Requires -Version 7.4
# The test plumbing itself: Exit-OaiTestProtocol must put back what Enter-OaiTestProtocol changed, or one file's
# store and session leak into the next file of the same run.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-OaiTestModule
}

Describe 'Enter-OaiTestProtocol and Exit-OaiTestProtocol' {
    BeforeEach {
        $script:SavedStore = $env:PSASSISTANTS_ASSISTANT_STORE
        Disconnect-OaiService
    }

    AfterEach {
        $env:PSASSISTANTS_ASSISTANT_STORE = $SavedStore
        Disconnect-OaiService
    }

    It 'puts back the store variable <Case> and forgets the default session it made' -ForEach @(
        @{ Case = 'when it was set'; Before = 'before-enter/assistants.json' }
        @{ Case = 'when it was unset'; Before = $null }
    ) {
        $env:PSASSISTANTS_ASSISTANT_STORE = $Before
        $setup = Enter-OaiTestProtocol -Protocol Responses -Key 'sk-test-helpers'
        $env:PSASSISTANTS_ASSISTANT_STORE | Should -Be $setup.StorePath
        $setup.StorePath | Should -BeLike "$TestDrive*"
        [object]::ReferenceEquals((Get-OaiSession), $setup.Session) | Should -BeTrue
        $setup.Session.AssistantStorePath | Should -Be $setup.StorePath

        Exit-OaiTestProtocol $setup

        $env:PSASSISTANTS_ASSISTANT_STORE | Should -Be $Before
        # No default any more: the next cmdlet builds a new one from the environment, as before Enter.
        $after = Get-OaiSession
        [object]::ReferenceEquals($after, $setup.Session) | Should -BeFalse
        "$($after.BaseUri)" | Should -Not -BeLike "$($setup.Emulator.BaseUri)*"
    }

    It 'stops the emulator it started' {
        $setup = Enter-OaiTestProtocol -Protocol Assistants
        $root = $setup.Emulator.ControlUri
        { Invoke-RestMethod -Uri "$root/__emulator/requests/count" -NoProxy -TimeoutSec 5 } | Should -Not -Throw

        Exit-OaiTestProtocol $setup

        { Invoke-RestMethod -Uri "$root/__emulator/requests/count" -NoProxy -TimeoutSec 5 } | Should -Throw
    }

    It 'a second Exit, or one given $null, changes nothing' {
        $setup = Enter-OaiTestProtocol -Protocol Assistants
        Exit-OaiTestProtocol $setup
        $env:PSASSISTANTS_ASSISTANT_STORE = 'set-after-exit.json'
        $kept = Connect-OaiService -ApiKey 'sk-kept' -BaseUri 'http://127.0.0.1:9/v1' -Protocol Assistants -PassThru

        Exit-OaiTestProtocol $setup
        Exit-OaiTestProtocol $null

        $env:PSASSISTANTS_ASSISTANT_STORE | Should -Be 'set-after-exit.json'
        [object]::ReferenceEquals((Get-OaiSession), $kept) | Should -BeTrue
    }

    It 'undoes its own first steps when a later one fails' {
        $env:PSASSISTANTS_ASSISTANT_STORE = 'before-enter.json'
        $kept = Connect-OaiService -ApiKey 'sk-kept' -BaseUri 'http://127.0.0.1:9/v1' -Protocol Assistants -PassThru
        $savedDll = $env:PSASSISTANTS_EMULATOR_DLL
        try {
            $env:PSASSISTANTS_EMULATOR_DLL = Join-Path $TestDrive 'no-such-emulator.dll'
            { Enter-OaiTestProtocol -Protocol Assistants } | Should -Throw '*emulator is not at*'
        }
        finally {
            $env:PSASSISTANTS_EMULATOR_DLL = $savedDll
        }
        $env:PSASSISTANTS_ASSISTANT_STORE | Should -Be 'before-enter.json'
        [object]::ReferenceEquals((Get-OaiSession), $kept) | Should -BeTrue
    }
}
