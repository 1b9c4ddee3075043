#Requires -Version 7.4
# Sessions: each runspace its own default, objects that remember the session that made them, New-OaiSession,
# and the clear errors of a bad definition. Two emulators stand for two servers, A (the default) and B.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants' }
        @{ Protocol = 'Responses' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-OaiTestModule
    $script:ModulePath = Get-OaiTestModulePath
    $script:A = Start-OaiTestEmulator
    $script:B = Start-OaiTestEmulator
    $script:SavedStore = $env:PSASSISTANTS_ASSISTANT_STORE
    $env:PSASSISTANTS_ASSISTANT_STORE = Join-Path $TestDrive 'assistants-default.json'

    # The paths the emulator saw since it was last cleared.
    function Get-Path([object] $Emulator) { @(Get-OaiTestRequest -Emulator $Emulator | ForEach-Object path) }

    # How many runspaces hold a default session right now (internal: read by reflection).
    function Get-DefaultCount {
        $type = [PSAssistants.OaiThread].Assembly.GetType('PSAssistants.Commands.DefaultSessions', $true)
        $type.GetProperty('RunspaceCount', [Reflection.BindingFlags]'NonPublic, Static').GetValue($null)
    }
}

AfterAll {
    $env:PSASSISTANTS_ASSISTANT_STORE = $SavedStore
    Disconnect-OaiService
    $A, $B | Stop-OaiTestEmulator
}

Describe 'The default session belongs to a runspace' {
    BeforeEach {
        Connect-OaiService -ApiKey 'sk-main-A' -BaseUri $A.BaseUri -Protocol Assistants
    }

    It 'a Connect-OaiService inside ForEach-Object -Parallel changes only that runspace''s default' {
        $inside = 1..3 | ForEach-Object -ThrottleLimit 3 -Parallel {
            Import-Module $using:ModulePath
            Connect-OaiService -ApiKey "sk-parallel-$_" -BaseUri $using:B.BaseUri -Protocol Assistants
            (Get-OaiSession).BaseUri.ToString()
        }
        @($inside | Select-Object -Unique) | Should -Be @("$($B.BaseUri)")
        (Get-OaiSession).BaseUri | Should -Be $A.BaseUri
        Clear-OaiTestRequest -Emulator $A
        Clear-OaiTestRequest -Emulator $B
        $null = New-OaiThread
        Get-Path $A | Should -Be @('/v1/threads')
        Get-Path $B | Should -BeNullOrEmpty
    }

    It 'a Disconnect-OaiService in a thread job leaves the caller connected' {
        $seen = Start-ThreadJob -ScriptBlock {
            param($path)
            Import-Module $path
            Disconnect-OaiService
            (Get-OaiSession).ApiKeySource
        } -ArgumentList $ModulePath | Receive-Job -Wait -AutoRemoveJob
        $seen | Should -Not -BeNullOrEmpty
        $main = Get-OaiSession
        $main.BaseUri | Should -Be $A.BaseUri
        $main.ApiKeySource | Should -Be 'Parameter'
        $main.HasApiKey | Should -BeTrue
    }

    It 'a new runspace builds its default from OPENAI_* on first use, whatever the caller connected to' {
        $saved = $env:OPENAI_BASE_URL, $env:OPENAI_API_KEY, $env:OPENAI_PROTOCOL
        try {
            $env:OPENAI_BASE_URL = $B.BaseUri
            $env:OPENAI_API_KEY = 'sk-from-env-B'
            $env:OPENAI_PROTOCOL = 'Assistants'
            $inside = Start-ThreadJob -ScriptBlock {
                param($path)
                Import-Module $path
                $s = Get-OaiSession
                "$($s.BaseUri)|$($s.ApiKeySource)"
            } -ArgumentList $ModulePath | Receive-Job -Wait -AutoRemoveJob
            $inside | Should -Be "$($B.BaseUri)|Environment"
            (Get-OaiSession).BaseUri | Should -Be $A.BaseUri
        }
        finally {
            $env:OPENAI_BASE_URL, $env:OPENAI_API_KEY, $env:OPENAI_PROTOCOL = $saved
        }
    }

    It 'a session handed to another runspace (-Session $using:s) works there' {
        $s = New-OaiSession -ApiKey 'sk-handed-B' -BaseUri $B.BaseUri -Protocol Assistants
        Clear-OaiTestRequest -Emulator $B
        $ids = 1..2 | ForEach-Object -Parallel {
            Import-Module $using:ModulePath
            $t = New-OaiThread -Session $using:s
            ($t | Add-OaiMessage -Content "hello $_").ThreadId
        }
        @($ids).Count | Should -Be 2
        foreach ($id in $ids) { (Get-OaiThread -Id $id -Session $s).Id | Should -Be $id }
        @(Get-OaiTestRequest -Emulator $B | Where-Object { $_.headers.authorization -eq 'Bearer sk-handed-B' }).Count | Should -BeGreaterOrEqual 6
    }

    It 'a session whose token comes from a scriptblock works in parallel runspaces' {
        # A short-lived token is fetched again before every request, so each runspace runs the scriptblock.
        $s = New-OaiSession -AzureEndpoint ($B.BaseUri -replace '/v1$', '') -Protocol Assistants -AccessToken {
            [pscustomobject]@{ Token = "tok-$([runspace]::DefaultRunspace.Id)"; ExpiresOn = [DateTimeOffset]::UtcNow.AddMinutes(1) }
        }
        Clear-OaiTestRequest -Emulator $B
        $made = 1..6 | ForEach-Object -ThrottleLimit 6 -Parallel {
            Import-Module $using:ModulePath
            foreach ($i in 1..10) { (New-OaiThread -Session $using:s -ErrorAction Stop).Id }
        }
        @($made).Count | Should -Be 60
        $auth = @(Get-OaiTestRequest -Emulator $B | ForEach-Object { $_.headers.authorization })
        $auth.Count | Should -Be 60
        $auth | Should -Match '^Bearer tok-\d+$'
    }

    It 'runspaces that end leave no default session behind' {
        $before = Get-DefaultCount
        $jobs = 1..12 | ForEach-Object {
            Start-ThreadJob -ScriptBlock {
                param($path, $uri)
                Import-Module $path
                Connect-OaiService -ApiKey 'sk-job' -BaseUri $uri -Protocol Assistants
                (Get-OaiSession).BaseUri
            } -ArgumentList $ModulePath, $B.BaseUri
        }
        @($jobs | Receive-Job -Wait -AutoRemoveJob).Count | Should -Be 12
        $null = 1..12 | ForEach-Object -ThrottleLimit 4 -Parallel {
            Import-Module $using:ModulePath
            Connect-OaiService -ApiKey 'sk-parallel' -BaseUri $using:B.BaseUri -Protocol Assistants
        }
        Get-DefaultCount | Should -Be $before
    }
}

Describe 'Objects remember the session that made them on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Connect-OaiService -ApiKey 'sk-default-A' -BaseUri $A.BaseUri -Protocol $Protocol
        $script:SB = New-OaiSession -ApiKey 'sk-second-B' -BaseUri $B.BaseUri -Protocol $Protocol `
            -AssistantStorePath (Join-Path $TestDrive "assistants-B-$Protocol.json")
    }

    BeforeEach {
        Clear-OaiTestRequest -Emulator $A
    }

    It 'a thread made with -Session goes back to its server when piped on' {
        $t = New-OaiThread -Session $SB
        $m = $t | Add-OaiMessage -Content 'hi'
        $m.ThreadId | Should -Be $t.Id
        (Get-OaiThread $t).Id | Should -Be $t.Id
        @($t | Get-OaiMessage).Id | Should -Be @($m.Id)
        Get-Path $A | Should -BeNullOrEmpty
    }

    It 'messages, runs and assistants remember it too, and their parts with them' {
        $asst = New-OaiAssistant -Session $SB -Name 'Math Tutor' -Model 'gpt-4' -Tool code_interpreter `
            -Instructions 'You are a personal math tutor. Write and run code to answer math questions.'
        $t = New-OaiThread -Session $SB
        $m = $t | Add-OaiMessage -Content 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
        $run = $t | Start-OaiRun -Assistant $asst
        $done = $run | Wait-OaiRun
        $done.Status | Should -Be 'completed'
        (Get-OaiRun -Run $done).Id | Should -Be $run.Id
        (Get-OaiAssistant $asst).Id | Should -Be $asst.Id
        $reply = @($done | Get-OaiMessage)[0]
        $reply.Role | Should -Be 'assistant'
        @($m | Get-OaiMessage).Id | Should -Contain $m.Id
        if ($Protocol -eq 'Assistants') { ($m | Set-OaiMessage -Metadata @{ seen = 'yes' }).Metadata.seen | Should -Be 'yes' }
        ($reply.Content[0] | Get-OaiSession) | Should -Be $SB
        ($done | Get-OaiSession) | Should -Be $SB
        Get-Path $A | Should -BeNullOrEmpty
    }

    It 'files and vector stores remember it' {
        $path = Join-Path $TestDrive 'notes.txt'
        Set-Content -LiteralPath $path -Value 'remember me'
        $f = Add-OaiFile -Path $path -Session $SB
        (Get-OaiFile $f).Id | Should -Be $f.Id
        $vs = New-OaiVectorStore -Name 'notes' -FileId $f -Session $SB
        (Get-OaiVectorStore $vs).Id | Should -Be $vs.Id
        $vs | Remove-OaiVectorStore
        $f | Remove-OaiFile
        Get-Path $A | Should -BeNullOrEmpty
    }

    It 'an explicit -Session wins over the one an object remembers' {
        $t = New-OaiThread -Session $SB
        $default = Get-OaiSession
        { $t | Get-OaiThread -Session $default -ErrorAction Stop } |
            Should -Throw -ErrorId 'OaiNotFound,PSAssistants.Commands.GetOaiThreadCommand'
        Get-Path $A | Should -Not -BeNullOrEmpty
    }

    It 'objects from sessions on two servers are refused without -Session, before any request' {
        $onA = New-OaiThread
        $onB = New-OaiAssistant -Session $SB -Name 'B' -Model 'gpt-4'
        Clear-OaiTestRequest -Emulator $A
        Clear-OaiTestRequest -Emulator $B
        { $onA | Start-OaiRun -Assistant $onB -ErrorAction Stop } |
            Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.StartOaiRunCommand'
        Get-Path $A | Should -BeNullOrEmpty
        Get-Path $B | Should -BeNullOrEmpty
    }

    It 'an object read back from a file remembers nothing and goes to the default' {
        $t = New-OaiThread -Session $SB
        $copy = $t | ConvertTo-Json | ConvertFrom-Json
        { Get-OaiThread $copy.Id -ErrorAction Stop } |
            Should -Throw -ErrorId 'OaiNotFound,PSAssistants.Commands.GetOaiThreadCommand'
        (Get-OaiSession -InputObject $copy).BaseUri | Should -Be $A.BaseUri
    }

    It 'the remembered session is written by no serializer and shown by no view' {
        $t = New-OaiThread -Session $SB
        $m = $t | Add-OaiMessage -Content 'hi'
        $port = ([uri]$B.BaseUri).Port
        foreach ($o in $t, $m) {
            $o.PSObject.Properties.Name | Should -Not -Contain 'Session'
            $o | ConvertTo-Json -Depth 8 | Should -Not -Match "Session|:$port"
            ($o | ConvertTo-Csv) -join "`n" | Should -Not -Match "Session|:$port"
            $csv = Join-Path $TestDrive 'o.csv'
            $o | Export-Csv -LiteralPath $csv
            Get-Content -Raw -LiteralPath $csv | Should -Not -Match "Session|:$port"
            $xml = Join-Path $TestDrive 'o.xml'
            $o | Export-Clixml -LiteralPath $xml -Depth 8
            Get-Content -Raw -LiteralPath $xml | Should -Not -Match "Session|:$port|sk-second"
            $o | Format-Table | Out-String | Should -Not -Match "Session|:$port"
            $o | Format-List * | Out-String | Should -Not -Match "Session|:$port"
            $o | Out-String | Should -Not -Match "Session|:$port"
        }
    }
}

Describe 'Every object type' {
    It 'every object type of the module can remember its session (derives from OaiObject)' {
        # A type added later gets the mechanism by deriving from OaiObject; one that does not would silently
        # send its follow-up calls to the default session.
        $types = [PSAssistants.OaiRun].Assembly.GetExportedTypes() | Where-Object {
            $_.Namespace -eq 'PSAssistants' -and $_.IsClass -and -not $_.IsAbstract -and
            $_ -ne [PSAssistants.OaiSession] -and -not [Collections.IEnumerable].IsAssignableFrom($_)
        }
        @($types).Count | Should -BeGreaterThan 10
        @($types | Where-Object { -not [PSAssistants.OaiObject].IsAssignableFrom($_) } | ForEach-Object FullName) |
            Should -BeNullOrEmpty
    }
}

Describe 'New-OaiSession' {
    BeforeAll {
        Connect-OaiService -ApiKey 'sk-default-A' -BaseUri $A.BaseUri -Protocol Assistants
    }

    It 'returns a session and leaves the default as it was' {
        $before = Get-OaiSession
        $s = New-OaiSession -ApiKey 'sk-new' -BaseUri $B.BaseUri -Protocol Responses -MaxRetries 0 -TimeoutSec 7
        $s | Should -BeOfType PSAssistants.OaiSession
        $s.BaseUri | Should -Be $B.BaseUri
        $s.Protocol | Should -Be 'Responses'
        $s.MaxRetries | Should -Be 0
        $s.TimeoutSec | Should -Be 7
        Get-OaiSession | Should -Be $before
    }

    It 'takes the parameters of Connect-OaiService, in the same sets' {
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        $shape = {
            param($name)
            (Get-Command $name).ParameterSets | ForEach-Object {
                $set = $_.Name
                $_.Parameters | Where-Object { $_.Name -notin $common -and $_.Name -ne 'PassThru' } |
                    ForEach-Object { "$set/$($_.Name)/$($_.ParameterType)/$($_.IsMandatory)/$($_.Position)" }
            } | Sort-Object
        }
        $new = & $shape New-OaiSession
        $new | Should -Not -BeNullOrEmpty
        $new | Should -Be (& $shape Connect-OaiService)
    }
}

Describe 'A bad definition is a clear error' {
    It '<Cmdlet> refuses a relative -BaseUri as OaiInvalidArgument' -ForEach @(
        @{ Cmdlet = 'Connect-OaiService'; Type = 'ConnectOaiServiceCommand' }
        @{ Cmdlet = 'New-OaiSession'; Type = 'NewOaiSessionCommand' }
    ) {
        { & $Cmdlet -ApiKey 'sk-x' -BaseUri 'api/v1' -ErrorAction Stop } |
            Should -Throw -ErrorId "OaiInvalidArgument,PSAssistants.Commands.$Type"
        { & $Cmdlet -ApiKey 'sk-x' -BaseUri $A.BaseUri -Proxy 'corp-proxy' -ErrorAction Stop } |
            Should -Throw -ErrorId "OaiInvalidArgument,PSAssistants.Commands.$Type"
    }

    It 'refuses a metadata value that is not a single value, before any request' {
        Connect-OaiService -ApiKey 'sk-default-A' -BaseUri $A.BaseUri -Protocol Assistants
        Clear-OaiTestRequest -Emulator $A
        { New-OaiThread -Metadata @{ owner = @{ name = 'x' } } -ErrorAction Stop } |
            Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.NewOaiThreadCommand'
        { New-OaiThread -Metadata @{ tags = @('a', 'b') } -ErrorAction Stop } |
            Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.NewOaiThreadCommand'
        Get-Path $A | Should -BeNullOrEmpty
        (New-OaiThread -Metadata @{ count = 3; ok = $true }).Metadata.count | Should -Be '3'
    }
}

Describe 'Remove-* in pwsh -NonInteractive' {
    It 'removes without a prompt, -WhatIf only tells, -Confirm still asks' {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($ModulePath -replace "'", "''")'
Connect-OaiService -ApiKey 'sk-ni' -BaseUri '$($A.BaseUri)' -Protocol Assistants
`$t = New-OaiThread
`$m = `$t | Add-OaiMessage -Content 'bye'
`$a = New-OaiAssistant -Name 'gone' -Model 'gpt-4'
Set-Content -LiteralPath '$(Join-Path $TestDrive 'ni.txt')' -Value x
`$f = Add-OaiFile -Path '$(Join-Path $TestDrive 'ni.txt')'
`$vs = New-OaiVectorStore -Name 'gone'
`$t | Remove-OaiThread -WhatIf
"whatif-kept:`$((Get-OaiThread `$t).Id -eq `$t.Id)"
try { `$t | Remove-OaiThread -Confirm; 'confirm:removed' } catch { "confirm:`$(`$_.FullyQualifiedErrorId)" }
`$m | Remove-OaiMessage
`$a | Remove-OaiAssistant
`$f | Remove-OaiFile
`$vs | Remove-OaiVectorStore
`$t | Remove-OaiThread
try { `$null = Get-OaiThread `$t; 'thread:kept' } catch { "thread:`$(`$_.FullyQualifiedErrorId)" }
'done'
"@
        $result = Invoke-OaiTestPwsh -Command $script
        $text = $result.Output -join "`n"
        $result.ExitCode | Should -Be 0 -Because $text
        $result.Output | Should -Contain 'whatif-kept:True'
        # -Confirm asks: a NonInteractive host cannot answer, so the prompt fails as Remove-Item -Confirm does.
        ($result.Output | Where-Object { $_ -like 'confirm:*' }) | Should -Not -Be 'confirm:removed'
        $result.Output | Should -Contain 'thread:OaiNotFound,PSAssistants.Commands.GetOaiThreadCommand'
        $result.Output[-1] | Should -Be 'done'
    }
}
