#Requires -Version 7.4
<#
.SYNOPSIS
    Soak test: concurrent runbooks run the Math Tutor flow against the emulator while it injects rate limits,
    dropped connections and cut event streams; reports completed runs, retried requests, lost or duplicated
    messages and memory growth.

.DESCRIPTION
    Not run by CI. Needs the built module and emulator (./build.ps1). What is soaked is the module's own
    resilience: per-request retries (default MaxRetries 2) with one Idempotency-Key per POST, and
    Start-OaiRun -Wait following a run's event stream (resuming or polling when the stream breaks).

    Fault injection (see bench/README.md). The emulator's rules hit the next `count` matching requests, so
    a fault pump in this process approximates a share of the traffic:
      - Request faults: the pump watches the emulator's request counter and keeps at most ONE rule armed
        (count 1, path_regex '^/v1/', any method). After arming one it draws a gap G from a geometric
        distribution with mean 100 / (RateLimitPercent + DropPercent) requests, waits until G more requests
        have arrived, then arms the next, which hits whichever API request comes next. The kind is drawn
        in the ratio RateLimitPercent : DropPercent:
          rate limit: action 'status', 429 with retry-after-ms 100 (the request is not processed);
          drop: action 'drop_after' (the server does the work - creates the message, starts the run - then
          aborts the connection without answering: the case where a retried POST must not act twice).
      - Stream cuts: independently, while no cut is pending, the pump sets the emulator's one-shot
        cut_stream_after_events to a random 1..6 after a geometric gap of mean
        100 / StreamCutPercent x (API requests per iteration, measured in the warm-up) requests, so about
        StreamCutPercent % of the runs' event streams close abruptly after their first few events.
    Everything is counted from the emulator's request log and the pump's own tally, so the report is exact
    even though the pump only approximates the percentages.

    Each runbook (ForEach-Object -Parallel, one runspace each, all in this process) imports the built
    module, makes its own session with Connect-OaiService -PassThru and passes it with -Session, then
    Iterations times: New-OaiThread, Add-OaiMessage (a text unique to runbook and iteration),
    Start-OaiRun -Wait, Get-OaiMessage. After all runbooks end, the faults are cleared and every thread is
    listed again to compare the user messages sent with those the thread holds.

.PARAMETER Protocol
    One or both protocols; each gets its own emulator and its own row in the report. Default: both.

.PARAMETER OutFile
    Where the markdown report goes. Default: bench/soak-results.md.

.PARAMETER RequestLogFolder
    A folder to keep each protocol's emulator request log in (requests-<Protocol>.json), to look into a failure.

.EXAMPLE
    dotnet pwsh -NoProfile -File ./bench/Soak.ps1
.EXAMPLE
    dotnet pwsh -NoProfile -File ./bench/Soak.ps1 -Runbooks 16 -Iterations 50 -Protocol Responses -DropPercent 10
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 64)] [int] $Runbooks = 8,
    [ValidateRange(1, 10000)] [int] $Iterations = 10,
    [ValidateSet('Assistants', 'Responses')] [string[]] $Protocol = @('Assistants', 'Responses'),
    [ValidateRange(0, 50)] [double] $RateLimitPercent = 10,
    [ValidateRange(0, 50)] [double] $DropPercent = 5,
    [ValidateRange(0, 100)] [double] $StreamCutPercent = 10,
    [ValidateRange(0, 600000)] [int] $RunDurationMs = 300,
    [int] $Seed = 20260101,
    [string] $OutFile = (Join-Path $PSScriptRoot 'soak-results.md'),
    [string] $RequestLogFolder
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
if ($RateLimitPercent + $DropPercent -gt 50) { throw 'RateLimitPercent + DropPercent above 50 would make most calls exhaust their retries; keep the sum at 50 or below.' }

$repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..')).ProviderPath
Import-Module (Join-Path $repoRoot 'tests/Pester/TestHelpers.psm1') -Force
$modulePath = Get-OaiTestModulePath
Import-OaiTestModule
$key = 'sk-soak-' + [guid]::NewGuid().ToString('N')
$question = 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
$store = Join-Path ([IO.Path]::GetTempPath()) "psassistants-soak-$PID.json"
$savedStore = $env:PSASSISTANTS_ASSISTANT_STORE
$env:PSASSISTANTS_ASSISTANT_STORE = $store

function Get-ManagedBytes {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    [GC]::GetTotalMemory($true)
}

function Invoke-Control([object] $Emulator, [string] $Method, [string] $Path, [object] $Body) {
    $request = @{ Method = $Method; Uri = "$($Emulator.ControlUri)$Path"; TimeoutSec = 30; NoProxy = $true }
    if ($PSBoundParameters.ContainsKey('Body')) {
        $request.Body = ConvertTo-Json -InputObject $Body -Depth 5 -Compress
        $request.ContentType = 'application/json'
    }
    # A JSON array comes back as one object: write its items one by one.
    Invoke-RestMethod @request | Write-Output
}

function Get-GeometricGap([Random] $Random, [double] $Probability) {
    # Requests until the next hit when each request is hit with this probability (mean 1 / p).
    if ($Probability -le 0) { return [long]::MaxValue }
    if ($Probability -ge 1) { return 1 }
    1 + [long][Math]::Floor([Math]::Log(1 - $Random.NextDouble()) / [Math]::Log(1 - $Probability))
}

# One runbook: the Math Tutor flow, Iterations times, each step's failure recorded rather than thrown.
$runbook = {
    $r = $_
    $ErrorActionPreference = 'Stop'
    Import-Module $using:modulePath
    $session = Connect-OaiService -ApiKey $using:key -BaseUri $using:baseUri -Protocol $using:proto -TimeoutSec 30 -PassThru
    $assistant = $using:assistant
    $tag = $using:roundTag
    for ($i = 1; $i -le $using:roundIterations; $i++) {
        $text = "${tag}Runbook $r iteration ${i}: $($using:question)"
        $result = [ordered]@{
            Runbook = $r; Iteration = $i; ThreadId = $null; Text = $text; MessageId = $null; RunId = $null
            Status = $null; ReplyOk = $false; FailedStep = $null; ErrorId = $null; Error = $null; Request = $null
        }
        $step = 'New-OaiThread'
        try {
            $thread = New-OaiThread -Session $session
            $result.ThreadId = $thread.Id
            $step = 'Add-OaiMessage'
            $result.MessageId = ($thread | Add-OaiMessage -Content $text -Session $session).Id
            $step = 'Start-OaiRun -Wait'
            $run = $thread | Start-OaiRun -Assistant $assistant -Wait -TimeoutSec 120 -Session $session `
                -AdditionalInstructions 'Please address the user as Jane Doe. The user has a premium account.'
            $result.RunId = $run.Id
            $result.Status = $run.Status
            $step = 'Get-OaiMessage'
            $messages = @($thread | Get-OaiMessage -Session $session)
            $reply = @($messages | Where-Object Role -EQ 'assistant')
            $result.ReplyOk = $reply.Count -eq 1 -and $reply[0].Text -match 'x = 1' -and $messages[0].Text -eq $text
            if (-not $result.ReplyOk) {
                $result.FailedStep = 'check'
                $result.Error = "listed $($messages.Count) message(s): $(($messages | ForEach-Object { "$($_.Role): $($_.Text)" }) -join ' | ')"
            }
        }
        catch {
            $result.FailedStep = $step
            $result.ErrorId = $_.FullyQualifiedErrorId
            $result.Error = $_.Exception.Message
            if ($_.Exception.PSObject.Properties['Request']) { $result.Request = $_.Exception.Request }
        }
        [pscustomobject]$result
    }
}

$rows = [System.Collections.Generic.List[object]]::new()
$failures = [System.Collections.Generic.List[object]]::new()
$started = Get-Date

foreach ($proto in $Protocol) {
    Write-Host "==> $proto`: $Runbooks runbooks x $Iterations iterations; $RateLimitPercent % 429, $DropPercent % drop_after, $StreamCutPercent % of streams cut"
    $emulator = Start-OaiTestEmulator -Local -RunDurationMs $RunDurationMs
    try {
        $baseUri = $emulator.BaseUri
        $main = Connect-OaiService -ApiKey $key -BaseUri $baseUri -Protocol $proto -PassThru
        $assistant = New-OaiAssistant -Session $main -Name 'Math Tutor' -Model 'gpt-4' -Tool code_interpreter `
            -Instructions 'You are a personal math tutor. Write and run code to answer math questions.'

        # Warm up with one fault-free round of every runbook (JIT, the shared HttpClient, the runspaces' first
        # module import), so that "before" is a steady state and the growth is the soak's own.
        $null = Invoke-Control $emulator Delete '/__emulator/requests'
        $roundTag = 'warm-up '; $roundIterations = 1
        $warm = @(1..$Runbooks | ForEach-Object -Parallel $runbook -ThrottleLimit $Runbooks)
        if (@($warm | Where-Object FailedStep).Count) { throw "The fault-free warm-up failed: $(@($warm | Where-Object FailedStep)[0].Error)" }
        $requestsPerIteration = [Math]::Max(1, (Invoke-Control $emulator Get '/__emulator/requests/count').count / $Runbooks)
        $null = Invoke-Control $emulator Delete '/__emulator/requests'
        $warm = $null
        $memoryBefore = Get-ManagedBytes
        $roundTag = ''; $roundIterations = $Iterations

        $rng = [Random]::new($Seed)
        $faultShare = ($RateLimitPercent + $DropPercent) / 100
        $cutShare = $StreamCutPercent / 100 / $requestsPerIteration
        $armed = @{ '429' = 0; 'drop_after' = 0; 'cut' = 0 }
        $cutsConsumed = 0
        $cutPending = $false
        $nextFaultAt = Get-GeometricGap $rng $faultShare
        $nextCutAt = Get-GeometricGap $rng $cutShare

        $clock = [Diagnostics.Stopwatch]::StartNew()
        $job = 1..$Runbooks | ForEach-Object -Parallel $runbook -ThrottleLimit $Runbooks -AsJob
        # The fault pump: at most one armed rule and one pending stream cut at a time, each re-armed a
        # geometric number of requests after the previous one was armed.
        while ($job.State -in 'NotStarted', 'Running') {
            $count = (Invoke-Control $emulator Get '/__emulator/requests/count').count
            if ($count -ge $nextFaultAt -and @(Invoke-Control $emulator Get '/__emulator/faults').Count -eq 0) {
                $isRateLimit = $rng.NextDouble() * ($RateLimitPercent + $DropPercent) -lt $RateLimitPercent
                $rule = if ($isRateLimit) {
                    @{ path_regex = '^/v1/'; action = 'status'; status = 429; retry_after_ms = 100; count = 1 }
                }
                else {
                    @{ path_regex = '^/v1/'; action = 'drop_after'; count = 1 }
                }
                $null = Invoke-Control $emulator Post '/__emulator/faults' @($rule)
                $armed[$(if ($isRateLimit) { '429' } else { 'drop_after' })]++
                $nextFaultAt = $count + (Get-GeometricGap $rng $faultShare)
            }
            if ($cutPending -and $null -eq (Invoke-Control $emulator Get '/__emulator/config').cut_stream_after_events) {
                $cutPending = $false
                $cutsConsumed++
            }
            if (-not $cutPending -and $count -ge $nextCutAt) {
                $null = Invoke-Control $emulator Post '/__emulator/config' @{ cut_stream_after_events = $rng.Next(1, 7) }
                $cutPending = $true
                $armed['cut']++
                $nextCutAt = $count + (Get-GeometricGap $rng $cutShare)
            }
            Start-Sleep -Milliseconds 5
        }
        $results = @(Receive-Job $job -Wait -AutoRemoveJob)
        $clock.Stop()
        $job = $null
        # Measured before this script loads the request log and lists the threads, so only what the module and
        # the runbooks left behind counts (the results kept here are a few small objects per iteration).
        $memoryAfter = Get-ManagedBytes

        $leftArmed = @(Invoke-Control $emulator Get '/__emulator/faults')
        $null = Invoke-Control $emulator Delete '/__emulator/faults'
        if ($cutPending -and $null -ne (Invoke-Control $emulator Get '/__emulator/config').cut_stream_after_events) { $cutPending = $false }
        elseif ($cutPending) { $cutsConsumed++ }
        $null = Invoke-Control $emulator Post '/__emulator/config' @{ cut_stream_after_events = $null }
        $log = @(Invoke-Control $emulator Get '/__emulator/requests')
        if ($RequestLogFolder) {
            $null = New-Item -ItemType Directory -Force -Path $RequestLogFolder
            ConvertTo-Json -InputObject $log -Depth 5 -Compress |
                Set-Content -LiteralPath (Join-Path $RequestLogFolder "requests-$proto.json") -Encoding utf8NoBOM
        }

        # Verification with no faults armed: every thread as the server holds it.
        $lost = 0; $duplicated = 0; $orphans = 0; $extraReplies = 0
        foreach ($res in $results | Where-Object ThreadId) {
            $listed = @(Get-OaiMessage -Thread $res.ThreadId -Session $main)
            $copies = @($listed | Where-Object { $_.Role -eq 'user' -and $_.Text -eq $res.Text }).Count
            if ($res.MessageId) {
                if ($copies -eq 0) { $lost++ }
                if ($copies -gt 1) { $duplicated += $copies - 1 }
            }
            elseif ($copies -gt 0) { $orphans++ } # Add-OaiMessage reported a failure, yet the server has the message
            $replies = @($listed | Where-Object Role -EQ 'assistant').Count
            if ($replies -gt 1) { $extraReplies += $replies - 1 }
        }

        $api = @($log | Where-Object { $_.path -like '/v1/*' })
        $injected429 = @($api | Where-Object status -EQ 429).Count
        $answersLost = @($api | Where-Object status -EQ 0).Count # drop_after hits and cut streams
        $droppedByRule = $armed['drop_after'] - @($leftArmed | Where-Object action -EQ 'drop_after').Count
        # A retry that was itself faulted: the same request (method, path, query, Idempotency-Key) faulted twice in a row.
        $faultedAgain = 0; $retries = 0
        $lastStatus = @{}
        foreach ($entry in $api) {
            $keyHeader = $entry.headers.PSObject.Properties['idempotency-key']
            $id = "$($entry.method) $($entry.path)?$($entry.query) $(if ($keyHeader) { $keyHeader.Value })"
            $faulted = $entry.status -in 0, 429
            if ($lastStatus.ContainsKey($id) -and $lastStatus[$id] -in 0, 429) {
                $retries++
                if ($faulted) { $faultedAgain++ }
            }
            $lastStatus[$id] = $entry.status
        }
        $postAnswersLost = @($api | Where-Object { $_.method -eq 'POST' -and $_.status -eq 0 }).Count
        $faultedBy = @($api | Where-Object { $_.status -in 0, 429 } |
                Group-Object { "$($_.method) $(if ($_.status -eq 0) { 'no answer' } else { $_.status })" } |
                Sort-Object Name | ForEach-Object { "$($_.Name): $($_.Count)" }) -join ', '
        $completed = @($results | Where-Object { $_.Status -eq 'completed' -and $_.ReplyOk }).Count

        foreach ($f in $results | Where-Object FailedStep) {
            # What the server answered each attempt of the failed request (0 = no answer). A POST to a path all
            # runbooks share (a new thread, a new response) is told apart by its Idempotency-Key.
            $attempts = ''
            if ($f.Request -match '^(?<m>[A-Z]+) (?<p>/[^?\s]+)(\?(?<q>\S*))?$') {
                $m = $Matches.m; $p = '/v1' + $Matches.p; $q = "$($Matches['q'])"
                $same = @($api | Where-Object { $_.method -eq $m -and $_.path -eq $p -and $_.query -eq $q })
                if ($m -eq 'POST') {
                    $same = @($same | Group-Object { $_.headers.'idempotency-key' } |
                            Where-Object { -not @($_.Group | Where-Object { $_.status -ge 200 -and $_.status -lt 300 }).Count } |
                            ForEach-Object Group)
                }
                $attempts = ($same | ForEach-Object { $_.status }) -join ', '
            }
            $failures.Add([pscustomobject]@{
                    Protocol = $proto; Runbook = $f.Runbook; Iteration = $f.Iteration; Step = $f.FailedStep
                    ErrorId = $f.ErrorId; Attempts = $attempts; Error = $f.Error
                })
        }
        $rows.Add([pscustomobject][ordered]@{
                'Protocol'            = $proto
                'Runs done'           = "$completed / $($Runbooks * $Iterations)"
                'API requests'        = $api.Count
                'Injected 429'        = $injected429
                'Dropped'             = $droppedByRule
                'Retried'             = $injected429 + $droppedByRule
                'Share faulted'       = '{0:0.0} %' -f (100 * ($injected429 + $droppedByRule) / [Math]::Max(1, $api.Count))
                'Retries faulted again' = "$faultedAgain of $retries"
                'Streams cut'         = $cutsConsumed
                'POST answers lost'   = $postAnswersLost
                'Calls failed'        = @($results | Where-Object FailedStep).Count
                'Msgs lost'           = $lost
                'Msgs duplicated'     = $duplicated
                'Extra replies'       = $extraReplies
                'Kept despite error'  = $orphans
                'Managed MB before'   = '{0:0.0}' -f ($memoryBefore / 1MB)
                'Managed MB after'    = '{0:0.0}' -f ($memoryAfter / 1MB)
                'Growth MB'           = '{0:+0.0;-0.0;0.0}' -f (($memoryAfter - $memoryBefore) / 1MB)
                'Seconds'             = [Math]::Round($clock.Elapsed.TotalSeconds, 1)
                'No answer (all)'     = $answersLost
                'Faults by request'   = $faultedBy
            })
    }
    finally {
        # Nothing of this protocol's round may count in the next one's "before".
        $log = $api = $results = $warm = $lastStatus = $null
        Disconnect-OaiService
        $emulator | Stop-OaiTestEmulator
    }
}

$env:PSASSISTANTS_ASSISTANT_STORE = $savedStore
Remove-Item -LiteralPath $store, "$store.lock" -ErrorAction Ignore

$rows | Format-Table -AutoSize -Property Protocol, 'Runs done', 'API requests', 'Injected 429', Dropped, Retried, 'Streams cut',
    'Calls failed', 'Msgs lost', 'Msgs duplicated', 'Managed MB before', 'Managed MB after', 'Growth MB', Seconds |
    Out-String -Width 300 | Write-Host
if ($failures.Count) {
    Write-Host 'Calls that failed:'
    $failures | Format-Table -AutoSize -Wrap | Out-String -Width 300 | Write-Host
}

# The markdown report.
$columns = @($rows[0].PSObject.Properties.Name)
$md = [System.Text.StringBuilder]::new()
$null = $md.AppendLine('# Soak results').AppendLine()
$null = $md.AppendLine("- Date: $($started.ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC")
$null = $md.AppendLine("- Machine: $([Environment]::ProcessorCount) cores, $([Runtime.InteropServices.RuntimeInformation]::OSDescription), .NET $([Environment]::Version), PowerShell $($PSVersionTable.PSVersion)")
$null = $md.AppendLine("- Command: ``bench/Soak.ps1 -Runbooks $Runbooks -Iterations $Iterations -Protocol $($Protocol -join ',') -RateLimitPercent $RateLimitPercent -DropPercent $DropPercent -StreamCutPercent $StreamCutPercent -RunDurationMs $RunDurationMs -Seed $Seed``")
$null = $md.AppendLine("- Request faults: one rule at a time on any API request, a geometric gap of mean $([Math]::Round(100 / [Math]::Max(0.0001, $RateLimitPercent + $DropPercent), 1)) requests apart; 429 (retry-after-ms 100) : drop_after = $RateLimitPercent : $DropPercent.")
$null = $md.AppendLine("- Stream cuts: cut_stream_after_events = random 1..6 on the next event stream, for about $StreamCutPercent % of the runs.")
$null = $md.AppendLine('- Sessions: MaxRetries 2 (the default), TimeoutSec 30; Start-OaiRun -Wait -TimeoutSec 120.')
$null = $md.AppendLine().AppendLine('| ' + ($columns -join ' | ') + ' |')
$null = $md.AppendLine('|' + (($columns | ForEach-Object { '---' }) -join '|') + '|')
foreach ($row in $rows) { $null = $md.AppendLine('| ' + (($columns | ForEach-Object { "$($row.$_)" }) -join ' | ') + ' |') }
if ($failures.Count) {
    $null = $md.AppendLine().AppendLine('Calls that failed:').AppendLine()
    foreach ($f in $failures) {
        $null = $md.AppendLine("- $($f.Protocol) runbook $($f.Runbook) iteration $($f.Iteration), $($f.Step): ``$($f.ErrorId)`` (answers to its attempts: $($f.Attempts)) $($f.Error)")
    }
}
Set-Content -LiteralPath $OutFile -Value $md.ToString() -Encoding utf8NoBOM
Write-Host "Report: $OutFile"
if (@($rows | Where-Object { $_.'Msgs lost' -or $_.'Msgs duplicated' -or $_.'Extra replies' }).Count) { exit 1 }
