#Requires -Version 7.4
# Reliability through the emulator's fault injection: what the module retries and what it does not, that a
# retried POST never does its work twice, that a broken or slow answer becomes the right error (never a hang
# or a NullReferenceException), that -Wait rides out failed polls, and that the API key shows up nowhere.
# The same file runs once per protocol. No assertion depends on how fast the machine is: injected delays only
# ever make a request slower than a 1 s (or 10 s) per-request timeout, and the one cut stream leaves the
# module 0.8 s to read two events it needs.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants' }
        @{ Protocol = 'Responses' }
    )
}

Describe 'Reliability on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        # The key is distinctive, so a leak anywhere is found by a plain text search.
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-psa-RELIABILITY-k3y-7d41e9c2' -RunDurationMs 300
        $script:Key, $script:Emulator = $Setup.Key, $Setup.Emulator
        $script:Assistant = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4' -Tool code_interpreter `
            -Instructions 'You are a personal math tutor. Write and run code to answer math questions.'

        # Path regexes of the requests the faults aim at, as the emulator sees them (with or without /v1).
        function ThreadPath([string] $ThreadId) {
            if ($Protocol -eq 'Assistants') { "^(/v1)?/threads/$ThreadId`$" } else { "^(/v1)?/conversations/$ThreadId`$" }
        }
        function MessagesPath([string] $ThreadId) {
            if ($Protocol -eq 'Assistants') { "^(/v1)?/threads/$ThreadId/messages`$" } else { "^(/v1)?/conversations/$ThreadId/items`$" }
        }
        function RunCreatePath([string] $ThreadId) {
            if ($Protocol -eq 'Assistants') { "^(/v1)?/threads/$ThreadId/runs`$" } else { '^(/v1)?/responses$' }
        }
        function RunGetPath([string] $ThreadId) {
            if ($Protocol -eq 'Assistants') { "^(/v1)?/threads/$ThreadId/runs/[^/]+`$" } else { '^(/v1)?/responses/[^/]+$' }
        }
        # The request the module names in its messages (its path below the base URI).
        function ThreadRequest([string] $ThreadId) {
            if ($Protocol -eq 'Assistants') { "GET /threads/$ThreadId" } else { "GET /conversations/$ThreadId" }
        }
        function RequestsTo([string] $Regex, [string] $Method) {
            @(Get-OaiTestRequest -Emulator $Emulator | Where-Object {
                    $_.path -match $Regex -and (-not $Method -or $_.method -eq $Method)
                })
        }
        function Fault([hashtable[]] $Rule) { Set-OaiTestFault -Emulator $Emulator -Rule $Rule }
        # POST /__emulator/config {cut_stream_after_events}: the next event stream closes after that many events.
        function CutNextStream([object] $AfterEvents) {
            $null = Invoke-RestMethod -Method Post -Uri "$($Emulator.ControlUri)/__emulator/config" -NoProxy -TimeoutSec 10 `
                -ContentType 'application/json' -Body (ConvertTo-Json -InputObject @{ cut_stream_after_events = $AfterEvents } -Compress)
        }
        function TestSession([int] $MaxRetries = 2, [int] $TimeoutSec = 600) {
            Connect-OaiService -ApiKey $Key -BaseUri $Emulator.BaseUri -Protocol $Protocol -PassThru `
                -MaxRetries $MaxRetries -TimeoutSec $TimeoutSec
        }
    }

    AfterAll {
        Clear-OaiTestFault -Emulator $Emulator
        Exit-OaiTestProtocol $Setup
    }

    BeforeEach {
        # A session the test changed is put back; a rule a failed test left armed must not hit the next one.
        Connect-OaiService -ApiKey $Key -BaseUri $Emulator.BaseUri -Protocol $Protocol
        Clear-OaiTestFault -Emulator $Emulator
        $script:Thread = New-OaiThread
        Clear-OaiTestRequest -Emulator $Emulator
    }

    Context 'What is retried' {
        It 'retries a 429 after the retry-after-ms the server asked for, and names the retry with -Verbose' {
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'status'; status = 429; retry_after_ms = 50 }

            $out = @(Get-OaiThread -Id $Thread.Id -Verbose 4>&1)

            $got = @($out | Where-Object { $_ -is [PSAssistants.OaiThread] })
            $got.Count | Should -Be 1
            $got[0].Id | Should -Be $Thread.Id
            $sent = RequestsTo (ThreadPath $Thread.Id) GET
            $sent.Count | Should -Be 2
            $sent.status | Should -Be @(429, 200)
            $retry = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match '^Retrying' })
            $retry.Count | Should -Be 1
            # What was retried, which attempt of how many, after how long, and why.
            $retry[0].Message | Should -Match ([regex]::Escape((ThreadRequest $Thread.Id)))
            $retry[0].Message | Should -Match 'attempt 2 of 3'
            $retry[0].Message | Should -Match '\bin 50 ms\b'
            $retry[0].Message | Should -Match 'HTTP 429'
            $retry[0].Message | Should -Match 'rate_limit_exceeded'
        }

        It 'honours a Retry-After given in seconds' {
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'status'; status = 503; retry_after = 1 }

            $out = @(Get-OaiThread -Id $Thread.Id -Verbose 4>&1)

            @($out | Where-Object { $_ -is [PSAssistants.OaiThread] }).Count | Should -Be 1
            ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match '^Retrying' }).Message |
                Should -Match '\bin 1000 ms\b.*HTTP 503'
            (RequestsTo (ThreadPath $Thread.Id) GET).Count | Should -Be 2
        }

        It 'rides out two 503s with the default MaxRetries of 2' {
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'status'; status = 503; count = 2 }

            $err = $null
            $got = Get-OaiThread -Id $Thread.Id -ErrorVariable err -ErrorAction SilentlyContinue

            $err | Should -BeNullOrEmpty
            $got.Id | Should -Be $Thread.Id
            (RequestsTo (ThreadPath $Thread.Id) GET).status | Should -Be @(503, 503, 200)
        }

        It 'fails with OaiServerError on the first 503 with -MaxRetries 0 on the cmdlet' {
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'status'; status = 503; count = 2 }

            $err = $null
            $got = Get-OaiThread -Id $Thread.Id -MaxRetries 0 -ErrorVariable err -ErrorAction SilentlyContinue

            $got | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiServerError,PSAssistants.Commands.GetOaiThreadCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $err[0].Exception.StatusCode | Should -Be 503
            $err[0].Exception.RequestId | Should -Match '^req_'
            (RequestsTo (ThreadPath $Thread.Id) GET).Count | Should -Be 1
            { Get-OaiThread -Id $Thread.Id -MaxRetries 0 -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiServerError,PSAssistants.Commands.GetOaiThreadCommand'
        }

        It 'fails with OaiServerError on the first 503 with Connect-OaiService -MaxRetries 0' {
            $noRetry = TestSession -MaxRetries 0
            $noRetry.MaxRetries | Should -Be 0
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'status'; status = 503; count = 2 }

            $err = $null
            Get-OaiThread -Id $Thread.Id -Session $noRetry -ErrorVariable err -ErrorAction SilentlyContinue

            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiServerError,PSAssistants.Commands.GetOaiThreadCommand'
            $err[0].Exception.StatusCode | Should -Be 503
            (RequestsTo (ThreadPath $Thread.Id) GET).Count | Should -Be 1

            # As the default session too, and -MaxRetries on the call wins over the session's 0.
            Connect-OaiService -ApiKey $Key -BaseUri $Emulator.BaseUri -Protocol $Protocol -MaxRetries 0
            $err = $null
            Get-OaiThread -Id $Thread.Id -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiServerError,PSAssistants.Commands.GetOaiThreadCommand'
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'status'; status = 503; retry_after_ms = 10 }
            (Get-OaiThread -Id $Thread.Id -MaxRetries 1).Id | Should -Be $Thread.Id
            (RequestsTo (ThreadPath $Thread.Id) GET).status | Should -Be @(503, 503, 503, 200)
        }

        It 'retries a <Status> too' -ForEach @(
            @{ Status = 408 }, @{ Status = 409 }, @{ Status = 500 }, @{ Status = 502 }, @{ Status = 504 }
        ) {
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'status'; status = $Status; retry_after_ms = 10 }
            (Get-OaiThread -Id $Thread.Id).Id | Should -Be $Thread.Id
            (RequestsTo (ThreadPath $Thread.Id) GET).status | Should -Be @($Status, 200)
        }

        It 'prefers retry-after-ms to Retry-After when the server sends both' {
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'status'; status = 429; retry_after = 3; retry_after_ms = 20 }
            $out = @(Get-OaiThread -Id $Thread.Id -Verbose 4>&1)
            ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match '^Retrying' }).Message |
                Should -Match '\bin 20 ms\b'
        }

        It 'takes -MaxRetries 0 on <Cmdlet> for every request it makes' -ForEach @(
            @{ Cmdlet = 'New-OaiThread'; Method = 'POST' }
            @{ Cmdlet = 'Get-OaiThread'; Method = 'GET' }
            @{ Cmdlet = 'Remove-OaiThread'; Method = 'DELETE' }
            @{ Cmdlet = 'Add-OaiMessage'; Method = 'POST' }
            @{ Cmdlet = 'Get-OaiMessage'; Method = 'GET' }
            @{ Cmdlet = 'Start-OaiRun'; Method = 'POST' }
        ) {
            $path = switch ($Cmdlet) {
                'New-OaiThread' { if ($Protocol -eq 'Assistants') { '^(/v1)?/threads$' } else { '^(/v1)?/conversations$' } }
                { $_ -in 'Get-OaiThread', 'Remove-OaiThread' } { ThreadPath $Thread.Id }
                { $_ -in 'Add-OaiMessage', 'Get-OaiMessage' } { MessagesPath $Thread.Id }
                'Start-OaiRun' { RunCreatePath $Thread.Id }
            }
            $call = switch ($Cmdlet) {
                'New-OaiThread' { { New-OaiThread -MaxRetries 0 -ErrorVariable err -ErrorAction SilentlyContinue } }
                'Get-OaiThread' { { Get-OaiThread -Id $Thread.Id -MaxRetries 0 -ErrorVariable err -ErrorAction SilentlyContinue } }
                'Remove-OaiThread' { { $Thread | Remove-OaiThread -Confirm:$false -MaxRetries 0 -ErrorVariable err -ErrorAction SilentlyContinue } }
                'Add-OaiMessage' { { $Thread | Add-OaiMessage -Content 'x' -MaxRetries 0 -ErrorVariable err -ErrorAction SilentlyContinue } }
                'Get-OaiMessage' { { $Thread | Get-OaiMessage -MaxRetries 0 -ErrorVariable err -ErrorAction SilentlyContinue } }
                'Start-OaiRun' { { $Thread | Start-OaiRun -Assistant $Assistant -MaxRetries 0 -ErrorVariable err -ErrorAction SilentlyContinue } }
            }
            if ($Cmdlet -eq 'Start-OaiRun') { $null = $Thread | Add-OaiMessage -Content 'hi' }
            Clear-OaiTestRequest -Emulator $Emulator
            Fault @{ method = $Method; path_regex = $path; action = 'status'; status = 503; count = 3 }

            $err = $null
            $null = . $call

            $commandName = ($Cmdlet -replace '-', '') + 'Command'
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be "OaiServerError,PSAssistants.Commands.$commandName"
            $err[0].Exception.StatusCode | Should -Be 503
            (RequestsTo $path $Method).Count | Should -Be 1
        }

        It 'reports OaiRateLimited once the retries are spent' {
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'status'; status = 429; retry_after_ms = 10; count = 3 }

            $err = $null
            Get-OaiThread -Id $Thread.Id -ErrorVariable err -ErrorAction SilentlyContinue

            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiRateLimited,PSAssistants.Commands.GetOaiThreadCommand'
            $err[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
            $err[0].Exception.StatusCode | Should -Be 429
            $err[0].Exception.ErrorCode | Should -Be 'rate_limit_exceeded'
            (RequestsTo (ThreadPath $Thread.Id) GET).Count | Should -Be 3
        }

        It 'does not retry a <Status>' -ForEach @(
            @{ Status = 400; ErrorId = 'OaiInvalidRequest' }
            @{ Status = 404; ErrorId = 'OaiNotFound' }
        ) {
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'status'; status = $Status; count = 3 }

            $err = $null
            Get-OaiThread -Id $Thread.Id -ErrorVariable err -ErrorAction SilentlyContinue

            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,PSAssistants.Commands.GetOaiThreadCommand"
            $err[0].Exception.StatusCode | Should -Be $Status
            (RequestsTo (ThreadPath $Thread.Id) GET).Count | Should -Be 1
        }

        It 'does not retry the 404 of a thread that does not exist' {
            $missing = if ($Protocol -eq 'Assistants') { 'thread_doesnotexist0000000000' } else { 'conv_doesnotexist00000000000' }
            $err = $null
            Get-OaiThread -Id $missing -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiNotFound,PSAssistants.Commands.GetOaiThreadCommand'
            (RequestsTo (ThreadPath $missing) GET).Count | Should -Be 1
        }
    }

    Context 'Lost answers and broken bodies' {
        It 'adds a message exactly once when the connection drops after the server did the work' {
            Fault @{ method = 'POST'; path_regex = (MessagesPath $Thread.Id); action = 'drop_after' }

            $err = $null
            $message = $Thread | Add-OaiMessage -Content 'exactly once, please' -ErrorVariable err -ErrorAction SilentlyContinue

            $err | Should -BeNullOrEmpty
            $message.Text | Should -Be 'exactly once, please'
            $listed = @($Thread | Get-OaiMessage)
            @($listed | Where-Object Text -EQ 'exactly once, please').Count | Should -Be 1
            $listed.Count | Should -Be 1
            $listed[0].Id | Should -Be $message.Id
            $posts = RequestsTo (MessagesPath $Thread.Id) POST
            $posts.status | Should -Be @(0, 200)
            $keys = @($posts | ForEach-Object { $_.headers.'idempotency-key' })
            $keys[0] | Should -Not -BeNullOrEmpty
            $keys[1] | Should -Be $keys[0]
        }

        It 'starts a run exactly once when the answer to its POST is lost' {
            $null = $Thread | Add-OaiMessage -Content 'I need to solve the equation `2x = 8`.'
            Fault @{ method = 'POST'; path_regex = (RunCreatePath $Thread.Id); action = 'drop_after' }

            $err = $null
            $run = $Thread | Start-OaiRun -Assistant $Assistant -Wait -ErrorVariable err -ErrorAction SilentlyContinue

            $err | Should -BeNullOrEmpty
            $run.Status | Should -Be 'completed'
            $posts = RequestsTo (RunCreatePath $Thread.Id) POST
            $posts.status | Should -Be @(0, 200)
            $posts[1].headers.'idempotency-key' | Should -Be $posts[0].headers.'idempotency-key'
            if ($Protocol -eq 'Assistants') { @(Get-OaiRun -Thread $Thread).Id | Should -Be @($run.Id) }
            $messages = @($Thread | Get-OaiMessage)
            $messages.Role | Should -Be @('user', 'assistant')
            $messages[1].Text | Should -Match 'x = 4'
        }

        It 'adds a message exactly once when the first attempt times out' {
            $s = TestSession -MaxRetries 2 -TimeoutSec 1
            Fault @{ method = 'POST'; path_regex = (MessagesPath $Thread.Id); action = 'delay'; delay_ms = 3000 }

            $err = $null
            $message = $Thread | Add-OaiMessage -Content 'slow but once' -Session $s -ErrorVariable err -ErrorAction SilentlyContinue

            $err | Should -BeNullOrEmpty
            $message.Text | Should -Be 'slow but once'
            @($Thread | Get-OaiMessage | Where-Object Text -EQ 'slow but once').Count | Should -Be 1
            $posts = RequestsTo (MessagesPath $Thread.Id) POST
            $posts.Count | Should -Be 2
            $posts[1].headers.'idempotency-key' | Should -Be $posts[0].headers.'idempotency-key'
        }

        It 'sends a stream that broke before it named its run again as often as the call''s -MaxRetries says' -ForEach @(
            @{ MaxRetries = 0; Posts = 1 }
            @{ MaxRetries = 1; Posts = 2 }
        ) {
            # The session would allow 2 re-sends; the cmdlet's -MaxRetries governs this call.
            $s = TestSession -MaxRetries 2
            $null = $Thread | Add-OaiMessage -Content 'I need to solve the equation `3x + 11 = 14`.' -Session $s
            CutNextStream 0
            try {
                $err = $null
                $run = $Thread | Start-OaiRun -Assistant $Assistant -Wait -Session $s -MaxRetries $MaxRetries -ErrorVariable err -ErrorAction SilentlyContinue
            }
            finally { CutNextStream $null }

            @(RequestsTo (RunCreatePath $Thread.Id) POST).Count | Should -Be $Posts
            if ($MaxRetries -eq 0) {
                $err[0].FullyQualifiedErrorId | Should -BeLike 'OaiConnectionFailed,*'
                $run | Should -BeNullOrEmpty
            }
            else {
                $err | Should -BeNullOrEmpty
                $run.Status | Should -Be 'completed'
            }
        }

        It 'retries a GET whose connection drops before any answer' {
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'drop_before' }

            $err = $null
            $got = Get-OaiThread -Id $Thread.Id -ErrorVariable err -ErrorAction SilentlyContinue

            $err | Should -BeNullOrEmpty
            $got.Id | Should -Be $Thread.Id
            (RequestsTo (ThreadPath $Thread.Id) GET).status | Should -Be @(0, 200)
        }

        It 'reports OaiConnectionFailed when a dropped connection outlasts the retries' {
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'drop_before' }

            $err = $null
            Get-OaiThread -Id $Thread.Id -MaxRetries 0 -ErrorVariable err -ErrorAction SilentlyContinue

            $err[0].FullyQualifiedErrorId | Should -Be 'OaiConnectionFailed,PSAssistants.Commands.GetOaiThreadCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $err[0].Exception.StatusCode | Should -BeNullOrEmpty
            $err[0].Exception.Message | Should -Match ([regex]::Escape((ThreadRequest $Thread.Id)))
        }

        It 'reports a malformed body as OaiProtocolError naming the request and its id' {
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'malformed_json' }

            $err = $null
            $got = Get-OaiThread -Id $Thread.Id -ErrorVariable err -ErrorAction SilentlyContinue

            $got | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiProtocolError,PSAssistants.Commands.GetOaiThreadCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ProtocolError'
            $ex = $err[0].Exception
            $ex | Should -BeOfType PSAssistants.Client.OaiApiException
            $ex.RequestId | Should -Match '^req_[0-9a-f]+$'
            $ex.Message | Should -Match ([regex]::Escape((ThreadRequest $Thread.Id)))
            $ex.Message | Should -Match ([regex]::Escape($ex.RequestId))
            $ex.InnerException | Should -BeOfType System.Text.Json.JsonException
            $ex.ToString() | Should -Not -Match 'NullReferenceException'
            # A body that is not JSON will not become JSON by asking again.
            (RequestsTo (ThreadPath $Thread.Id) GET).Count | Should -Be 1
        }

        It 'reports a truncated body as a connection or protocol error, not a hang' {
            # A 10 s per-request timeout turns a hang into OaiTimeout, which fails this test.
            $s = TestSession -MaxRetries 0 -TimeoutSec 10
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'truncate' }

            $err = $null
            $got = Get-OaiThread -Id $Thread.Id -Session $s -ErrorVariable err -ErrorAction SilentlyContinue

            $got | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeIn @(
                'OaiConnectionFailed,PSAssistants.Commands.GetOaiThreadCommand'
                'OaiProtocolError,PSAssistants.Commands.GetOaiThreadCommand'
            )
            $err[0].Exception.Kind | Should -BeIn @('Connection', 'Protocol')
            $err[0].Exception.ToString() | Should -Not -Match 'NullReferenceException'
        }

        It 'recovers from a truncated body with the default retries' {
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'truncate' }
            (Get-OaiThread -Id $Thread.Id).Id | Should -Be $Thread.Id
            (RequestsTo (ThreadPath $Thread.Id) GET).Count | Should -Be 2
        }

        It 'reports OaiTimeout for an answer slower than the session''s TimeoutSec' {
            $s = TestSession -MaxRetries 0 -TimeoutSec 1
            Fault @{ method = 'GET'; path_regex = (ThreadPath $Thread.Id); action = 'delay'; delay_ms = 4000 }

            $err = $null
            $got = Get-OaiThread -Id $Thread.Id -Session $s -ErrorVariable err -ErrorAction SilentlyContinue

            $got | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiTimeout,PSAssistants.Commands.GetOaiThreadCommand'
            $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            $err[0].Exception.Message | Should -Match ([regex]::Escape((ThreadRequest $Thread.Id)))
            $err[0].Exception.Message | Should -Match '\b1 s\b'
            (RequestsTo (ThreadPath $Thread.Id) GET).Count | Should -Be 1
        }
    }

    Context 'Waiting for a run through failed polls' {
        BeforeEach {
            # Start-OaiRun -Wait follows the run's event stream. The stream is cut (one-shot) after its third
            # event, so the wait has to go back to the server with GETs of the run - polls, or requests that
            # attach to the stream again - and those are the requests the faults below hit. The runs last
            # 2.4 s ([delay:2400]), so the third event comes 0.8 s after the first two, which the module has
            # read long before: the cut never takes the events that name the run. (A module that only polls
            # never opens a stream, and the setting changes nothing.)
            CutNextStream 3
        }

        AfterEach {
            CutNextStream $null
        }

        It 'carries on through three 503s on the GETs of the run and returns the completed run' {
            $s = TestSession -MaxRetries 0
            $null = $Thread | Add-OaiMessage -Content 'I need to solve the equation `3x + 11 = 14`. [delay:2400]' -Session $s
            Fault @{ method = 'GET'; path_regex = (RunGetPath $Thread.Id); action = 'status'; status = 503; count = 3 }

            $err = $null
            $out = @($Thread | Start-OaiRun -Assistant $Assistant -Wait -Session $s -Verbose -ErrorVariable err -ErrorAction SilentlyContinue 4>&1)

            $err | Should -BeNullOrEmpty
            $run = @($out | Where-Object { $_ -is [PSAssistants.OaiRun] })
            $run.Count | Should -Be 1
            $run[0].Status | Should -Be 'completed'
            $gets = RequestsTo (RunGetPath $Thread.Id) GET
            @($gets | Where-Object status -EQ 503).Count | Should -Be 3
            $gets[-1].status | Should -Be 200
            (@($Thread | Get-OaiMessage -Session $s))[-1].Text | Should -Match 'x = 1'
        }

        It 'carries on through a dropped and a timed-out GET of the run' {
            $s = TestSession -MaxRetries 0 -TimeoutSec 1
            $null = $Thread | Add-OaiMessage -Content 'hello [delay:2400]' -Session $s
            # The first rule added wins, and each is gone after its one hit: the first GET is dropped, the second too slow.
            Fault @(
                @{ method = 'GET'; path_regex = (RunGetPath $Thread.Id); action = 'drop_before' }
                @{ method = 'GET'; path_regex = (RunGetPath $Thread.Id); action = 'delay'; delay_ms = 3000 }
            )

            $err = $null
            $run = $Thread | Start-OaiRun -Assistant $Assistant -Wait -Session $s -ErrorVariable err -ErrorAction SilentlyContinue

            $err | Should -BeNullOrEmpty
            $run.Status | Should -Be 'completed'
            $gets = RequestsTo (RunGetPath $Thread.Id) GET
            $gets.Count | Should -BeGreaterOrEqual 3
            $gets[0].status | Should -Be 0
            $gets[-1].status | Should -Be 200
        }
    }

    Context 'Errors carry what a runbook needs' {
        It 'keeps OaiAuthenticationFailed for a 401, with StatusCode, ErrorCode and RequestId, and does not retry it' {
            $bad = Connect-OaiService -ApiKey 'sk-invalid-psa-0000' -BaseUri $Emulator.BaseUri -Protocol $Protocol -PassThru

            $err = $null
            New-OaiThread -Session $bad -ErrorVariable err -ErrorAction SilentlyContinue

            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiAuthenticationFailed,PSAssistants.Commands.NewOaiThreadCommand'
            $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            $err[0].Exception.StatusCode | Should -Be 401
            $err[0].Exception.ErrorCode | Should -Be 'invalid_api_key'
            $err[0].Exception.ErrorType | Should -Be 'invalid_request_error'
            $err[0].Exception.RequestId | Should -Match '^req_'
            $err[0].Exception.Message | Should -Match ([regex]::Escape($err[0].Exception.RequestId))
            @(Get-OaiTestRequest -Emulator $Emulator | Where-Object method -EQ 'POST').Count | Should -Be 1
        }
    }

    Context 'Where the key and the body may go (issue 12)' {
        It 'redacts a key the server echoes as JSON escapes, in the message, ApiMessage, ErrorDetails and Get-Error' {
            Fault @{ path_regex = (ThreadPath $Thread.Id); action = 'echo_key_escaped'; status = 401 }

            $err = $null
            Get-OaiThread -Id $Thread.Id -ErrorVariable err -ErrorAction SilentlyContinue

            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'OaiAuthenticationFailed,*'
            $err[0].Exception.ApiMessage | Should -BeLike 'Incorrect API key provided: ***.'
            $text = ($err[0] | Get-Error | Out-String -Width 500) + "$($err[0].ErrorDetails)" + $err[0].Exception.ToString() +
                ($err[0] | Out-String -Width 500)
            $text | Should -Not -Match ([regex]::Escape($Key))
            $text | Should -Match ([regex]::Escape('***'))
        }

        It 'masks the key where the server echoes it in a message: text, views and JSON' {
            $added = $Thread | Add-OaiMessage -Content "Please keep my key $Key safe."

            $listed = @($Thread | Get-OaiMessage)

            $listed.Count | Should -Be 1
            $listed[0].Text | Should -Be 'Please keep my key *** safe.'
            $added.Text | Should -Be 'Please keep my key *** safe.'
            $text = ($listed | ConvertTo-Json -Depth 8) + ($listed | Format-List * | Out-String -Width 500) +
                ($listed | Format-Table | Out-String -Width 500) + ($added | ConvertTo-Json -Depth 8)
            $text | Should -Not -Match ([regex]::Escape($Key))
        }

        It 'refuses a redirect to another origin with OaiRedirectRefused, naming the target without its query' {
            Fault @{ path_regex = (ThreadPath $Thread.Id); action = 'redirect'; status = 307; location = 'http://127.0.0.1:9/v1/collect?token=hush' }

            $err = $null
            Get-OaiThread -Id $Thread.Id -ErrorVariable err -ErrorAction SilentlyContinue

            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'OaiRedirectRefused,PSAssistants.Commands.GetOaiThreadCommand'
            $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
            $err[0].Exception.Message | Should -Match ([regex]::Escape('http://127.0.0.1:9/v1/collect'))
            $err[0].Exception.Message | Should -Not -Match 'hush'
        }

        It 'follows a redirect to the same origin' {
            $moved = if ($Protocol -eq 'Assistants') { "/v1/threads/$($Thread.Id)" } else { "/v1/conversations/$($Thread.Id)" }
            Fault @{ path_regex = '^(/v1)?/moved$'; action = 'redirect'; status = 308; location = $moved }
            $url = [uri]::new([uri]$Emulator.BaseUri, '/moved')
            Clear-OaiTestRequest -Emulator $Emulator
            # The thread's own path is redirected to /moved, which is redirected back (each fault fires once).
            Fault @{ path_regex = (ThreadPath $Thread.Id); action = 'redirect'; status = 307; location = $url.AbsoluteUri }

            (Get-OaiThread -Id $Thread.Id).Id | Should -Be $Thread.Id
            @(Get-OaiTestRequest -Emulator $Emulator).Count | Should -Be 3
        }

        It 'refuses a key holding <Name> at connect with OaiInvalidArgument, before any request' -ForEach @(
            @{ Name = 'CR LF'; Bad = "sk-a`r`nX-Injected: 1" }
            @{ Name = 'LF'; Bad = "sk-a`nX-Injected: 1" }
            @{ Name = 'NUL'; Bad = "sk-a`0b" }
        ) {
            Clear-OaiTestRequest -Emulator $Emulator
            { Connect-OaiService -ApiKey $Bad -BaseUri $Emulator.BaseUri -Protocol $Protocol -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.ConnectOaiServiceCommand'
            { Connect-OaiService -ApiKey $Key -Organization $Bad -BaseUri $Emulator.BaseUri -Protocol $Protocol -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.ConnectOaiServiceCommand'
            @(Get-OaiTestRequest -Emulator $Emulator).Count | Should -Be 0
            # The session in force is still the good one.
            (Get-OaiThread -Id $Thread.Id).Id | Should -Be $Thread.Id
        }
    }

    Context 'The key' {
        It 'appears in no stream, session view, export or error record, through retries and failures' {
            $invalid = 'sk-invalid-psa-SECRET-MIDDLE-4e1f'
            Fault @(
                @{ method = 'POST'; path_regex = (MessagesPath $Thread.Id); action = 'status'; status = 429; retry_after_ms = 10 }
                @{ method = 'GET'; path_regex = (RunGetPath $Thread.Id); action = 'drop_before' }
            )
            $text = & {
                Connect-OaiService -ApiKey $Key -BaseUri $Emulator.BaseUri -Protocol $Protocol -Verbose -Debug
                $Thread | Add-OaiMessage -Content 'I need to solve the equation `3x + 11 = 14`.' -Verbose -Debug |
                    Start-OaiRun -Assistant $Assistant -Wait -Verbose -Debug `
                        -AdditionalInstructions 'Please address the user as Jane Doe.' |
                    Get-OaiMessage -Verbose -Debug
                $Thread | Get-OaiMessage -Verbose -Debug
                Get-OaiThread -Id $Thread.Id -Verbose -Debug
                Get-OaiSession -Verbose -Debug
                Get-OaiSession | Format-List * -Force
                Get-OaiSession | ConvertTo-Json -Depth 5
            } *>&1 | Out-String -Width 500
            $text | Should -Match 'Retrying POST'
            $text | Should -Match 'Request body'
            $text | Should -Match 'Jane Doe'

            $clixml = Join-Path $TestDrive "session-$Protocol.clixml"
            Get-OaiSession | Export-Clixml -LiteralPath $clixml -Depth 5
            $text += Get-Content -LiteralPath $clixml -Raw

            # A 401 the server sent for this key, a 401 for another key, a 500 after retries.
            $records = [System.Collections.Generic.List[object]]::new()
            Fault @{ path_regex = (ThreadPath $Thread.Id); action = 'status'; status = 401 }
            $err = $null; Get-OaiThread -Id $Thread.Id -Verbose -Debug -ErrorVariable err -ErrorAction SilentlyContinue *>$null
            $records.AddRange(@($err))
            $invalidSession = Connect-OaiService -ApiKey $invalid -BaseUri $Emulator.BaseUri -Protocol $Protocol -PassThru
            $err = $null; Get-OaiThread -Id $Thread.Id -Session $invalidSession -ErrorVariable err -ErrorAction SilentlyContinue
            $records.AddRange(@($err))
            Fault @{ path_regex = (ThreadPath $Thread.Id); action = 'status'; status = 500; retry_after_ms = 10; count = 3 }
            $err = $null; Get-OaiThread -Id $Thread.Id -ErrorVariable err -ErrorAction SilentlyContinue
            $records.AddRange(@($err))

            $records.Count | Should -Be 3
            $records[0].FullyQualifiedErrorId | Should -BeLike 'OaiAuthenticationFailed,*'
            $records[1].FullyQualifiedErrorId | Should -BeLike 'OaiAuthenticationFailed,*'
            $records[2].FullyQualifiedErrorId | Should -BeLike 'OaiServerError,*'
            foreach ($r in $records) {
                $text += $r | Format-List * -Force | Out-String -Width 500
                $text += $r.Exception | Format-List * -Force | Out-String -Width 500
                $text += $r.Exception.ToString()
                $text += $r | Out-String -Width 500
                $text += "$($r.ErrorDetails)"
            }

            $recordsXml = Join-Path $TestDrive "errors-$Protocol.clixml"
            $records | Export-Clixml -LiteralPath $recordsXml -Depth 4
            $text += Get-Content -LiteralPath $recordsXml -Raw

            $text | Should -Not -Match ([regex]::Escape($Key))
            $text | Should -Not -Match 'RELIABILITY-k3y'
            $text | Should -Not -Match ([regex]::Escape($invalid))
            $text | Should -Not -Match 'SECRET-MIDDLE'
            # The key really was sent (so its absence above means something).
            (Get-OaiTestRequest -Emulator $Emulator)[0].headers.authorization | Should -Be "Bearer $Key"
        }
    }
}
