#Requires -Version 7.4
<#
.SYNOPSIS
    Benchmarks PSAssistants against the local emulator, side by side with raw HttpClient, Invoke-RestMethod
    and (with -PeerPath) PSOpenAI; prints every figure with its ratio and target and writes bench/results.md.

.DESCRIPTION
    Run it through the build: `dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench [-PeerPath <PSOpenAI folder>] [-Long]`,
    which builds the module, the emulator and bench/RawClient first, then runs this script in a fresh pwsh.
    Not part of CI. Sections (all by default, or pick some with -Section):

      Import   Import-Module of the built module as extra wall time over a bare `pwsh -NoProfile -c exit`
               (fresh processes, interleaved, median of -ImportRuns each), beside an empty manifest module
               (PowerShell's own floor for Import-Module) and PSOpenAI when given.
      PerCall  -Calls Get-OaiAssistant -Id calls vs the same GETs by bench/RawClient (one HttpClient +
               System.Text.Json) and by Invoke-RestMethod loops; median of -Rounds rounds, after a warm-up.
      Wait     Start-OaiRun -Wait on runs of 0.5 s and 5 s (and 60 s with -Long), both protocols: time from the
               run's end on the server to the cmdlet's return, and the requests made; also Start-OaiRun then
               Wait-OaiRun, and the raw event stream read by bench/RawClient as the floor of the method.
      Lists    Get-OaiMessage over threads of 1,000 and 10,000 messages, both protocols, each in a fresh pwsh
               (bench/probes/List.ps1): time to the first object, total time, requests, memory.
      Peer     The Math Tutor scenario by PSAssistants (both protocols) and by PSOpenAI (-PeerPath), each in a
               fresh pwsh (bench/probes/Scenario.ps1): import, cold and warm times, requests by kind.
      Cold     The Math Tutor flow as a runbook runs it (default session from OPENAI_*, runs of 0.9 s) in -ColdRuns
               fresh pwsh processes per protocol (bench/probes/Cold.ps1): round 1 cold, rounds 2-3 warm in the
               same process; total and first call (New-OaiAssistant), methods JIT-compiled; for the shipped
               (ReadyToRun) dll and for the IL-only dll of the same build, interleaved.
      Alloc    Bytes allocated per Add-OaiMessage call (GC.GetTotalAllocatedBytes, precise), beside the raw
               client, Invoke-RestMethod and the cost of invoking a cmdlet that makes no request.

    The emulator answers on 127.0.0.1 only. Timings depend on the machine; ratios are what to compare.

.PARAMETER PeerPath
    A PSOpenAI source folder (the one with PSOpenAI.psd1), or the .psd1 itself. Without it the peer is skipped.

.PARAMETER Long
    Also waits for a 60 s run on each protocol and in each wait mode (about 4 more minutes).

.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench -PeerPath ./bench/peer/PSOpenAI
.EXAMPLE
    dotnet pwsh -NoProfile -File ./bench/Bench.ps1 -Section PerCall,Alloc -OutFile /tmp/results.md
#>
[CmdletBinding()]
param(
    [string] $PeerPath,
    [switch] $Long,
    [string] $OutFile = (Join-Path $PSScriptRoot 'results.md'),
    [string] $RawClientPath = (Join-Path $PSScriptRoot 'RawClient/bin/Release/net10.0/RawClient.dll'),
    # Import, PerCall, Wait, Lists, Peer, Alloc: an array, or one comma-separated string (as -File passes it).
    [string[]] $Section = @('Import', 'PerCall', 'Wait', 'Lists', 'Peer', 'Cold', 'Alloc'),
    [ValidateRange(3, 100)] [int] $ImportRuns = 20,
    [ValidateRange(3, 50)] [int] $ColdRuns = 7,
    [ValidateRange(10, 100000)] [int] $Calls = 1000,
    [ValidateRange(1, 50)] [int] $Rounds = 10
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$PSNativeCommandUseErrorActionPreference = $false
$inv = [cultureinfo]::InvariantCulture
$allSections = 'Import', 'PerCall', 'Wait', 'Lists', 'Peer', 'Cold', 'Alloc'
$Section = @($Section | ForEach-Object { $_ -split ',' } | ForEach-Object Trim | Where-Object { $_ })
foreach ($s in $Section) { if ($s -notin $allSections) { throw "-Section '$s' is not one of $($allSections -join ', ')." } }

$repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..')).ProviderPath
Import-Module (Join-Path $repoRoot 'tests/Pester/TestHelpers.psm1') -Force
$modulePath = (Resolve-Path (Get-OaiTestModulePath)).ProviderPath
$emulatorPath = Get-OaiTestEmulatorPath
if (-not (Test-Path (Join-Path $modulePath 'PSAssistants.psd1'))) { throw "The built module is not at '$modulePath': run ./build.ps1 first." }
if (-not (Test-Path $RawClientPath)) { throw "bench/RawClient is not built at '$RawClientPath': run 'dotnet build bench/RawClient -c Release' (./build.ps1 -Task Bench does)." }

$peerManifest = $null
if ($PeerPath) {
    $candidate = if ((Test-Path $PeerPath -PathType Leaf)) { $PeerPath } else { Join-Path $PeerPath 'PSOpenAI.psd1' }
    if (-not (Test-Path $candidate)) { throw "-PeerPath '$PeerPath' has no PSOpenAI.psd1." }
    $peerManifest = (Resolve-Path $candidate).ProviderPath
}

$key = 'sk-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
$question = 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
$instructions = 'You are a personal math tutor. Write and run code to answer math questions.'
$storePath = Join-Path ([IO.Path]::GetTempPath()) "psassistants-bench-$PID.json"
$env:PSASSISTANTS_ASSISTANT_STORE = $storePath  # Responses keeps assistants on the client: a private store
$pwsh = Get-OaiTestPwshCommand

$script:Rows = [Collections.Generic.List[object]]::new()
$script:Notes = @{}
$script:Failed = [Collections.Generic.List[string]]::new()

#region Helpers

# Voluntary context switches of all this process's threads so far (a thread went to sleep); -1 where /proc has none.
function Get-ThreadSwitches {
    $tasks = "/proc/$PID/task"
    if (-not [IO.Directory]::Exists($tasks)) { return -1 }
    $total = 0L
    foreach ($dir in [IO.Directory]::GetDirectories($tasks)) {
        try {
            foreach ($line in [IO.File]::ReadAllLines("$dir/status")) {
                if ($line.StartsWith('voluntary_ctxt_switches:')) { $total += [long]$line.Substring(24).Trim() }
            }
        }
        catch [IO.IOException] { }  # a thread that ended meanwhile
    }
    $total
}

function Format-Number([double] $Value, [string] $Format = '0.0') { $Value.ToString($Format, $inv) }

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count -eq 0) { return [double]::NaN }
    $mid = [Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { return [double]$sorted[$mid] }
    ([double]$sorted[$mid - 1] + [double]$sorted[$mid]) / 2
}

function Add-Figure {
    <# Records one figure and prints it with its ratio and target. Met: $true, $false or $null (no target). #>
    param(
        [Parameter(Mandatory)] [string] $Section,
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [string] $Value,
        [string] $Ratio = '',
        [string] $Target = '',
        [object] $Met = $null
    )
    $row = [pscustomobject]@{ Section = $Section; Name = $Name; Value = $Value; Ratio = $Ratio; Target = $Target; Met = $Met }
    $script:Rows.Add($row)
    $line = '  {0,-58} {1,18}' -f $Name, $Value
    if ($Ratio) { $line += "  $Ratio" }
    $color = 'Gray'
    if ($Target) {
        $verdict = if ($null -eq $Met) { '' } elseif ($Met) { ': met' } else { ': NOT MET' }
        $line += "  [target $Target$verdict]"
        if ($null -ne $Met) { $color = if ($Met) { 'Green' } else { 'Yellow' } }
    }
    Write-Host $line -ForegroundColor $color
}

function Add-Note([string] $Section, [string] $Text) {
    if (-not $script:Notes.ContainsKey($Section)) { $script:Notes[$Section] = [Collections.Generic.List[string]]::new() }
    $script:Notes[$Section].Add($Text)
}

function Invoke-RawClient {
    <# Runs bench/RawClient and returns its JSON lines as objects. #>
    param([Parameter(Mandatory)] [string[]] $Arguments)
    $output = & dotnet $RawClientPath @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "RawClient $($Arguments[0]) failed (exit $LASTEXITCODE):`n$($output -join "`n")" }
    @($output | Where-Object { "$_".StartsWith('{') } | ForEach-Object { "$_" | ConvertFrom-Json })
}

function Start-RawServer {
    <# Starts bench/RawClient in --serve mode and waits for its warm-up to end. #>
    param([Parameter(Mandatory)] [string[]] $Arguments)
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($RawClientPath) + $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($psi)
    $null = $process.StandardError.ReadToEndAsync()
    $ready = $process.StandardOutput.ReadLine()
    if ($ready -notmatch '"ready"') { $process.Kill(); throw "RawClient did not start: $ready" }
    $process
}

function Invoke-RawRound([Diagnostics.Process] $Process) {
    $Process.StandardInput.WriteLine('go')
    $Process.StandardInput.Flush()
    $line = $Process.StandardOutput.ReadLine()
    if (-not $line) { throw 'RawClient stopped answering.' }
    $line | ConvertFrom-Json
}

function Stop-RawServer([Diagnostics.Process] $Process) {
    if (-not $Process) { return }
    try { $Process.StandardInput.Close(); if (-not $Process.WaitForExit(5000)) { $Process.Kill() } } catch { }
    $Process.Dispose()
}

function Invoke-Probe {
    <# Runs a bench/probes script in a fresh pwsh and returns the JSON object of its last line. #>
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string[]] $Arguments)
    $exe = $pwsh[0]
    $prefix = @($pwsh | Select-Object -Skip 1)
    $output = & $exe @prefix -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot "probes/$Name.ps1") @Arguments 2>&1
    $lines = @($output | ForEach-Object { "$_" })
    if ($LASTEXITCODE -ne 0 -or -not ($lines | Where-Object { $_.StartsWith('{') })) {
        throw "probes/$Name.ps1 failed (exit $LASTEXITCODE):`n$($lines -join "`n")"
    }
    ($lines | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1) | ConvertFrom-Json
}

function Measure-FreshPwsh {
    <# Wall time of one fresh pwsh process running -Command; returns Ms and its stdout. #>
    param([Parameter(Mandatory)] [string] $Command)
    $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Command)) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $process = [Diagnostics.Process]::Start($psi)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $process.WaitForExit()
    $ms = $watch.Elapsed.TotalMilliseconds
    $code = $process.ExitCode
    $process.Dispose()
    if ($code -ne 0) { throw "pwsh -Command '$Command' exited $code`n$($stderr.Result)" }
    [pscustomobject]@{ Ms = $ms; Output = $stdout.Result.Trim() }
}

function Get-RequestCount { Get-OaiTestRequest -Emulator $script:Emulator -Count }

function Invoke-Section([string] $Name, [scriptblock] $Body) {
    if ($Name -notin $Section) { return }
    Write-Host ''
    Write-Host "==> Bench: $Name" -ForegroundColor Cyan
    $clock = [Diagnostics.Stopwatch]::StartNew()
    try { & $Body }
    catch {
        $script:Failed.Add($Name)
        $message = "$($_.Exception.Message)"
        if ($_.InvocationInfo) { $message += " ($($_.InvocationInfo.PositionMessage -split "`n" | Select-Object -First 1))" }
        Add-Figure -Section $Name -Name 'ERROR: the section could not finish' -Value 'error'
        Add-Note $Name "The section failed: $message"
        Write-Host "  $message" -ForegroundColor Red
    }
    Write-Host ("  ({0} s)" -f (Format-Number $clock.Elapsed.TotalSeconds '0'))
}

#endregion

function Get-LoadAverage { if (Test-Path /proc/loadavg) { ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ' } else { 'n/a' } }
$loadBefore = Get-LoadAverage
$totalClock = [Diagnostics.Stopwatch]::StartNew()
$script:Emulator = Start-OaiTestEmulator -Local -Path $emulatorPath
$base = $script:Emulator.BaseUri
Write-Host "Emulator at $base; module $modulePath; $([Environment]::ProcessorCount) cores"
Import-Module $modulePath -Force

try {
    #region Import
    Invoke-Section 'Import' {
        $empty = Join-Path ([IO.Path]::GetTempPath()) "psassistants-bench-empty-$PID/EmptyModule"
        $null = New-Item -ItemType Directory -Path $empty -Force
        Set-Content -LiteralPath (Join-Path $empty 'EmptyModule.psd1') -Value "@{ ModuleVersion = '1.0'; FunctionsToExport = @(); CmdletsToExport = @(); VariablesToExport = @(); AliasesToExport = @() }"
        $quote = { param($path) "'" + ($path -replace "'", "''") + "'" }
        $modules = [ordered]@{ 'empty' = $empty; 'PSAssistants' = $modulePath }
        if ($peerManifest) { $modules['PSOpenAI'] = $peerManifest }
        # Wall time: exactly 'Import-Module X; exit' against 'exit'. In-process time: separate runs that time the
        # Import-Module call itself with a Stopwatch.
        $variants = [ordered]@{ 'bare' = 'exit' }
        foreach ($name in $modules.Keys) { $variants[$name] = "Import-Module $(& $quote $modules[$name]); exit" }
        $inProcess = [ordered]@{}
        foreach ($name in $modules.Keys) {
            $inProcess[$name] = "`$s = [Diagnostics.Stopwatch]::StartNew(); Import-Module $(& $quote $modules[$name]); [Console]::Out.Write(`$s.Elapsed.TotalMilliseconds.ToString([cultureinfo]::InvariantCulture)); exit"
        }
        $wall = @{}; $inner = @{}
        foreach ($name in $variants.Keys) { $wall[$name] = [Collections.Generic.List[double]]::new(); $inner[$name] = [Collections.Generic.List[double]]::new() }
        # One discarded warm-up round, then rounds that interleave the variants so drift hits them alike.
        for ($i = 0; $i -le $ImportRuns; $i++) {
            foreach ($name in $variants.Keys) {
                $r = Measure-FreshPwsh $variants[$name]
                if ($i -gt 0) { $wall[$name].Add($r.Ms) }
            }
        }
        for ($i = 0; $i -lt [Math]::Max(5, [int]($ImportRuns / 3)); $i++) {
            foreach ($name in $inProcess.Keys) { $inner[$name].Add([double]::Parse((Measure-FreshPwsh $inProcess[$name]).Output, $inv)) }
        }
        $bare = Get-Median $wall['bare']
        $bareMin = ($wall['bare'] | Measure-Object -Minimum).Minimum
        Add-Figure Import 'pwsh -NoProfile -c exit (bare start)' "$(Format-Number $bare '0') ms" -Ratio "min $(Format-Number $bareMin '0') ms"
        foreach ($name in $modules.Keys) {
            $median = Get-Median $wall[$name]
            # Paired: each round's import run minus the same round's bare run, which saw the same load.
            $extra = Get-Median @(for ($r = 0; $r -lt $wall[$name].Count; $r++) { $wall[$name][$r] - $wall['bare'][$r] })
            # Other load only ever adds time to a fresh process, so the fastest runs are a second, steadier estimate.
            $extraMin = ($wall[$name] | Measure-Object -Minimum).Minimum - $bareMin
            $label = switch ($name) { 'empty' { 'an empty manifest module (PowerShell''s floor)' } 'PSAssistants' { 'out/PSAssistants' } default { 'PSOpenAI (peer)' } }
            $detail = "min-based $(Format-Number $extraMin '0') ms; x$(Format-Number ($median / $bare) '0.00') of bare"
            if ($name -eq 'PSAssistants') {
                $overEmpty = Get-Median @(for ($r = 0; $r -lt $wall[$name].Count; $r++) { $wall[$name][$r] - $wall['empty'][$r] })
                Add-Figure Import "Import-Module $label, extra over bare" "$(Format-Number $extra '0') ms" -Ratio "$detail; $(Format-Number $overEmpty '0') ms over the empty module" -Target '< 100 ms' -Met ($extra -lt 100)
            }
            else {
                Add-Figure Import "Import-Module $label, extra over bare" "$(Format-Number $extra '0') ms" -Ratio $detail
            }
            Add-Figure Import "  Import-Module $label, in-process" "$(Format-Number (Get-Median $inner[$name]) '0.0') ms" -Ratio "min $(Format-Number (($inner[$name] | Measure-Object -Minimum).Minimum) '0.0') ms"
        }
        Add-Note Import "Fresh processes ($($pwsh -join ' ') -NoProfile -NonInteractive -Command ...): $ImportRuns runs of each wall-time variant ('exit', 'Import-Module <path>; exit') after one discarded round, interleaved; extra = the median over rounds of (import run - bare run of the same round), since runs of one round saw the same load; min-based: fastest import run minus fastest bare run, which other load disturbs least. In-process: separate runs timing the Import-Module call with a Stopwatch; it includes work PowerShell does once per process on the first Import-Module of any module, which the empty manifest module shows."
        Remove-Item -LiteralPath (Split-Path $empty) -Recurse -Force -ErrorAction Ignore
    }
    #endregion

    #region PerCall
    Invoke-Section 'PerCall' {
        Connect-OaiService -BaseUri $base -ApiKey $key -Protocol Assistants
        $assistant = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4o' -Tool code_interpreter -Instructions $instructions
        $id = $assistant.Id
        $uri = "$base/assistants/$id"
        $headers = @{ Authorization = "Bearer $key"; 'OpenAI-Beta' = 'assistants=v2' }
        $userAgent = 'PSAssistants.Bench.IRM/1.0'
        $session = [Microsoft.PowerShell.Commands.WebRequestSession]::new()
        $ids = @(, $id * $Calls)
        $n = $Calls
        # PowerShell's own floor: a compiled cmdlet that binds one parameter and writes it back, no request.
        if (-not ('PSAssistantsBench.GetBenchNopCommand' -as [type])) {
            Add-Type -TypeDefinition @'
namespace PSAssistantsBench {
    [System.Management.Automation.Cmdlet("Get", "BenchNop")]
    public sealed class GetBenchNopCommand : System.Management.Automation.PSCmdlet {
        [System.Management.Automation.Parameter(Position = 0)] public object[] Id { get; set; }
        protected override void ProcessRecord() { WriteObject(Id[0]); }
    }
}
'@
        }
        Import-Module -Assembly ([PSAssistantsBench.GetBenchNopCommand].Assembly)
        # The floor of any binary cmdlet that makes this request: the same GET through one HttpClient, waited for
        # on the pipeline thread the usual way (GetAwaiter().GetResult()), the body parsed, the id written.
        if (-not ('PSAssistantsBench.GetBenchRawCommand' -as [type])) {
            Add-Type -TypeDefinition @'
using System.Net.Http;
namespace PSAssistantsBench {
    [System.Management.Automation.Cmdlet("Get", "BenchRaw")]
    public sealed class GetBenchRawCommand : System.Management.Automation.PSCmdlet {
        static readonly HttpMessageInvoker s_http = new HttpMessageInvoker(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false });
        [System.Management.Automation.Parameter(Position = 0)] public string Uri { get; set; }
        [System.Management.Automation.Parameter] public string Key { get; set; }
        protected override void ProcessRecord() {
            using var request = new HttpRequestMessage(HttpMethod.Get, Uri);
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Key);
            request.Headers.TryAddWithoutValidation("OpenAI-Beta", "assistants=v2");
            using var response = s_http.SendAsync(request, default).GetAwaiter().GetResult();
            var body = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
            using var json = System.Text.Json.JsonDocument.Parse(body);
            WriteObject(json.RootElement.GetProperty("id").GetString());
        }
    }
}
'@
        }
        Import-Module -Assembly ([PSAssistantsBench.GetBenchRawCommand].Assembly)
        # Each loop is one script block, so the loop itself is compiled once and timed as a whole.
        $variants = [ordered]@{
            'module'     = { for ($i = 0; $i -lt $n; $i++) { $null = Get-OaiAssistant -Id $id } }
            'module-one' = { $null = Get-OaiAssistant -Id $ids }
            'nop'        = { for ($i = 0; $i -lt $n; $i++) { $null = Get-BenchNop -Id $id } }
            'cmdlet'     = { for ($i = 0; $i -lt $n; $i++) { $null = Get-BenchRaw -Uri $uri -Key $key } }
            'irm'        = { for ($i = 0; $i -lt $n; $i++) { $null = Invoke-RestMethod -Uri $uri -Headers $headers -UserAgent $userAgent } }
            'irm-ws'     = { for ($i = 0; $i -lt $n; $i++) { $null = Invoke-RestMethod -Uri $uri -Headers $headers -UserAgent $userAgent -WebSession $session } }
        }
        # Warm-up: JIT, connection pools, the emulator's own paths.
        $saved = $n; $n = 1000
        foreach ($name in 'module', 'cmdlet', 'irm', 'irm-ws') { & $variants[$name] }
        $n = $saved
        # The raw client stays up (after its own 3,000-call warm-up, past tiered JIT) and times one round per line sent.
        $raw = Start-RawServer @('get', '--base', $base, '--key', $key, '--path', "/assistants/$id", '--type', 'assistant', '--count', "$Calls", '--warmup', '3000', '--serve', '1')
        $names = @('raw') + @($variants.Keys)
        $ms = @{}; $bytes = @{}; $switches = @{}
        foreach ($name in $names) { foreach ($table in $ms, $bytes, $switches) { $table[$name] = [Collections.Generic.List[double]]::new() } }
        try {
            for ($round = 0; $round -lt $Rounds; $round++) {
                Clear-OaiTestRequest -Emulator $script:Emulator  # the emulator's request log grows with every call
                # Each round starts with the next variant, so none always runs first or right after another.
                for ($k = 0; $k -lt $names.Count; $k++) {
                    $name = $names[($round + $k) % $names.Count]
                    if ($name -eq 'raw') {
                        $r = Invoke-RawRound $raw
                        $ms['raw'].Add($r.ms_per_call); $bytes['raw'].Add($r.bytes_per_call)
                        continue
                    }
                    [GC]::Collect()
                    $switchesBefore = Get-ThreadSwitches
                    $before = [GC]::GetTotalAllocatedBytes($true)
                    $watch = [Diagnostics.Stopwatch]::StartNew()
                    & $variants[$name]
                    $elapsed = $watch.Elapsed.TotalMilliseconds
                    $ms[$name].Add($elapsed / $Calls)
                    $bytes[$name].Add(([GC]::GetTotalAllocatedBytes($true) - $before) / $Calls)
                    $switches[$name].Add($(if ($switchesBefore -lt 0) { -1 } else { ((Get-ThreadSwitches) - $switchesBefore) / $Calls }))
                }
            }
        }
        finally { Stop-RawServer $raw }
        $m = @{}; foreach ($name in $names) { $m[$name] = Get-Median $ms[$name] }
        $b = @{}; foreach ($name in $names) { $b[$name] = Get-Median $bytes[$name] }
        # Thread switches: how often a thread of this process went to sleep per call (Linux only), which load moves less than time.
        $sw = { param($name) if ($switches[$name].Count -and $switches[$name][0] -ge 0) { "; $(Format-Number (Get-Median $switches[$name]) '0.00') thread switches/call" } else { '' } }
        # Ratios are medians of the per-round ratios: the two figures of one round saw the same load.
        $ratioOf = { param($a, $c) Get-Median @(for ($r = 0; $r -lt $Rounds; $r++) { $ms[$a][$r] / $ms[$c][$r] }) }
        $fmt = { param($name) "$(Format-Number $m[$name] '0.000') ms/call" }
        Add-Figure PerCall 'raw HttpClient + System.Text.Json (C#, the limit)' (& $fmt 'raw') -Ratio "$(Format-Number $b['raw'] '#,0') B/call"
        $ratio = & $ratioOf 'module' 'raw'
        Add-Figure PerCall "Get-OaiAssistant -Id, $Calls calls in a loop" (& $fmt 'module') -Ratio "x$(Format-Number $ratio '0.00') of raw; $(Format-Number $b['module'] '#,0') B/call$(& $sw 'module')" -Target '<= x1.3 of raw' -Met ($ratio -le 1.3)
        $vsIrm = & $ratioOf 'module' 'irm'
        Add-Figure PerCall "Invoke-RestMethod loop, $Calls calls" (& $fmt 'irm') -Ratio "module is x$(Format-Number $vsIrm '0.00') of it; $(Format-Number $b['irm'] '#,0') B/call" -Target 'module faster' -Met ($vsIrm -lt 1)
        Add-Figure PerCall "Invoke-RestMethod -WebSession loop, $Calls calls" (& $fmt 'irm-ws') -Ratio "module is x$(Format-Number (& $ratioOf 'module' 'irm-ws') '0.00') of it; $(Format-Number $b['irm-ws'] '#,0') B/call"
        Add-Figure PerCall "PowerShell's floor: a compiled no-op cmdlet, $Calls calls" (& $fmt 'nop') -Ratio "x$(Format-Number (& $ratioOf 'nop' 'raw') '0.00') of raw; $(Format-Number $b['nop'] '#,0') B/call"
        $beyond = Get-Median @(for ($r = 0; $r -lt $Rounds; $r++) { ($ms['module'][$r] - $ms['nop'][$r]) / $ms['raw'][$r] })
        Add-Figure PerCall "Get-OaiAssistant loop less PowerShell's floor" "$(Format-Number ($m['module'] - $m['nop']) '0.000') ms/call" -Ratio "x$(Format-Number $beyond '0.00') of raw"
        Add-Figure PerCall "a minimal binary cmdlet making the same GET, $Calls calls" (& $fmt 'cmdlet') -Ratio "x$(Format-Number (& $ratioOf 'cmdlet' 'raw') '0.00') of raw; $(Format-Number $b['cmdlet'] '#,0') B/call$(& $sw 'cmdlet')"
        $vsCmdlet = & $ratioOf 'module' 'cmdlet'
        Add-Figure PerCall "Get-OaiAssistant loop / the minimal cmdlet's loop" "x$(Format-Number $vsCmdlet '0.00')" -Ratio 'what the module adds to any cmdlet making this request' -Target '<= x1.3' -Met ($vsCmdlet -le 1.3)
        Add-Figure PerCall "Get-OaiAssistant -Id <$Calls ids> (one invocation)" (& $fmt 'module-one') -Ratio "x$(Format-Number (& $ratioOf 'module-one' 'raw') '0.00') of raw; $(Format-Number $b['module-one'] '#,0') B/call$(& $sw 'module-one')"
        Add-Note PerCall "$Rounds rounds of $Calls calls each, after a 1,000-call warm-up; each round runs every variant once, starting with a different one each time, and the emulator's request log is cleared between rounds. Times are medians over the rounds; ratios are medians of the per-round ratios (figures of one round saw the same load on the machine). The raw client is one process kept up for all rounds after its own 3,000-call warm-up. B/call is GC.GetTotalAllocatedBytes(precise) over a round divided by the calls, in the process that made them. Thread switches/call: the voluntary context switches of all the process's threads over a round (/proc/PID/task/*/status), divided by the calls: how often a thread had to sleep and be woken, which other load on the machine changes far less than the times."
        Add-Note PerCall "The minimal cmdlet (Add-Type, compiled in the same process) sends the same GET with the same headers through one HttpMessageInvoker over a SocketsHttpHandler, waits with GetAwaiter().GetResult() as most binary modules do, parses the body with JsonDocument and writes the id: no retries, no timeout, no Ctrl+C, no Verbose relay, no session. It is what any compiled cmdlet pays to make this request from a PowerShell loop, so the ratio of the module's loop to it is the module's own cost."
        Add-Note PerCall "PowerShell's floor is a do-nothing compiled cmdlet (Add-Type, one object[] parameter, writes it back) in the same loop: what any binary module pays per command before it does anything. The one-invocation row sends the same $Calls requests from a single Get-OaiAssistant call, so it leaves out per-command costs altogether."
        $assistant | Remove-OaiAssistant -Confirm:$false
    }
    #endregion

    #region Wait
    Invoke-Section 'Wait' {
        $durations = @(500, 5000) + @(if ($Long) { 60000 })
        $repsFor = { param($d) if ($d -le 500) { 5 } elseif ($d -le 5000) { 3 } else { 1 } }
        foreach ($protocol in 'Assistants', 'Responses') {
            Connect-OaiService -BaseUri $base -ApiKey $key -Protocol $protocol
            $assistant = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4o' -Tool code_interpreter -Instructions $instructions
            $newThread = { param($d) $t = New-OaiThread; $null = $t | Add-OaiMessage -Content "[delay:$d] $question"; $t }
            # Warm-up of both wait paths.
            $null = & $newThread 100 | Start-OaiRun -Assistant $assistant -Wait
            $null = & $newThread 100 | Start-OaiRun -Assistant $assistant | Wait-OaiRun
            $waitMode = if ($protocol -eq 'Assistants') { 'polls GET /runs/{id}' } else { 'attaches to the stream' }
            foreach ($d in $durations) {
                $reps = & $repsFor $d
                foreach ($mode in 'stream', 'wait') {
                    $latencies = [Collections.Generic.List[double]]::new()
                    $counts = [Collections.Generic.List[int]]::new()
                    for ($rep = 0; $rep -lt $reps; $rep++) {
                        $thread = & $newThread $d
                        $before = Get-RequestCount
                        $watch = [Diagnostics.Stopwatch]::StartNew()
                        $run = if ($mode -eq 'stream') { $thread | Start-OaiRun -Assistant $assistant -Wait } else { $thread | Start-OaiRun -Assistant $assistant | Wait-OaiRun }
                        $elapsed = $watch.Elapsed.TotalMilliseconds
                        $counts.Add((Get-RequestCount) - $before)
                        if ($run.Status -ne 'completed') { throw "$protocol run of $d ms ended '$($run.Status)'." }
                        $latencies.Add($elapsed - $d)
                    }
                    $median = Get-Median $latencies
                    $max = ($latencies | Measure-Object -Maximum).Maximum
                    $requests = Get-Median $counts
                    $label = if ($mode -eq 'stream') { 'Start-OaiRun -Wait (stream)' } else { "Start-OaiRun | Wait-OaiRun ($waitMode)" }
                    $value = "$(Format-Number $median '0') ms"
                    $detail = "max $(Format-Number $max '0') ms of $reps; $requests request(s) incl. the start"
                    $name = "$protocol, $(Format-Number ($d / 1000) '0.#') s run: $label"
                    if ($mode -eq 'stream') {
                        Add-Figure Wait $name $value -Ratio $detail -Target '< 50 ms, 1 request' -Met ($median -lt 50 -and $requests -le 1)
                    }
                    else {
                        Add-Figure Wait $name $value -Ratio $detail
                    }
                }
                if ($d -le 5000) {
                    $raw = Invoke-RawClient @('stream', '--base', $base, '--key', $key, '--protocol', $protocol.ToLowerInvariant(), '--delay-ms', "$d", '--reps', "$reps")
                    $rawMedian = Get-Median @($raw | ForEach-Object latency_ms)
                    Add-Figure Wait "$protocol, $(Format-Number ($d / 1000) '0.#') s run: raw event stream (C#, the floor)" "$(Format-Number $rawMedian '0') ms" -Ratio "median of $reps; 1 request"
                }
            }
            $assistant | Remove-OaiAssistant -Confirm:$false
        }
        Add-Note Wait 'Latency = (time the cmdlet returned - time just before it was called) - D, where D is the run''s duration fixed by the emulator''s [delay:D] from the moment it creates the run. The run is created after the call starts, so this over-states the true latency by the time it takes to send the start request; the raw event-stream row, measured the same way by bench/RawClient, is the floor of the method on this machine.'
        Add-Note Wait 'Requests are counted from the emulator''s request log around the call, the run''s start request included: 1 means the wait itself made none. Wait-OaiRun on Assistants v2 cannot attach to a running run''s stream, so it polls (100 ms growing x1.5 to 2 s); on Responses it attaches with GET /responses/{id}?stream=true.'
    }
    #endregion

    #region Lists
    Invoke-Section 'Lists' {
        $sizes = 1000, 10000
        $byProtocol = @{}
        foreach ($protocol in 'Assistants', 'Responses') {
            $p = $protocol.ToLowerInvariant()
            $byProtocol[$protocol] = @{}
            foreach ($size in $sizes) {
                $seed = Invoke-RawClient @('seed', '--base', $base, '--key', $key, '--protocol', $p, '--count', "$size", '--parallel', '8')
                Write-Host ("  seeded a {0} thread of {1:N0} messages in {2} ms ({3:N0} requests)" -f $protocol, $size, (Format-Number $seed[0].ms '0'), $seed[0].requests)
                $thread = $seed[0].thread
                $listPath = if ($protocol -eq 'Assistants') { "/threads/$thread/messages" } else { "/conversations/$thread/items" }
                $type = if ($protocol -eq 'Assistants') { 'messages' } else { 'items' }
                # Three raw walks, the median of each figure: one walk is easily disturbed by other load.
                $walks = @(1..3 | ForEach-Object { Invoke-RawClient @('list', '--base', $base, '--key', $key, '--protocol', $p, '--path', $listPath, '--type', $type) })
                $raw = @([pscustomobject]@{
                        first_page_ms   = Get-Median @($walks | ForEach-Object first_page_ms)
                        total_ms        = Get-Median @($walks | ForEach-Object total_ms)
                        allocated_bytes = Get-Median @($walks | ForEach-Object allocated_bytes)
                    })
                $probe = Invoke-Probe List @('-ModulePath', $modulePath, '-BaseUri', $base, '-ControlUri', $script:Emulator.ControlUri, '-Protocol', $protocol, '-ThreadId', $thread)
                if ($probe.count -ne $size) { throw "Get-OaiMessage listed $($probe.count) of $size messages on $protocol." }
                $byProtocol[$protocol][$size] = $probe
                $label = "$protocol, {0:N0} messages" -f $size
                Add-Figure Lists "${label}: first object" "$(Format-Number $probe.first_ms '0.0') ms" -Ratio "raw first page $(Format-Number $raw[0].first_page_ms '0.0') ms"
                Add-Figure Lists "${label}: all objects" "$(Format-Number $probe.total_ms '0') ms" -Ratio "x$(Format-Number ($probe.total_ms / $raw[0].total_ms) '0.00') of raw $(Format-Number $raw[0].total_ms '0') ms; $($probe.requests) requests"
                Add-Figure Lists "${label}: all objects, no consumer (`$null = ...)" "$(Format-Number $probe.bare_ms '0') ms" -Ratio "x$(Format-Number ($probe.bare_ms / $raw[0].total_ms) '0.00') of raw; allocated $(Format-Number ($probe.bare_allocated / $size) '#,0') B/message (raw $(Format-Number ($raw[0].allocated_bytes / $size) '#,0'))"
                Add-Figure Lists "${label}: live heap growth (max while listing)" "$(Format-Number ($probe.heap_growth / 1KB) '#,0') KB" -Ratio "allocated $(Format-Number ($probe.allocated_bytes / $size) '#,0') B/message with ForEach-Object"
                Add-Figure Lists "${label}: peak working set over start" "$(Format-Number ($probe.peak_ws_over_start / 1MB) '0.0') MB"
            }
            $small = $byProtocol[$protocol][1000]; $large = $byProtocol[$protocol][10000]
            $firstRatio = $large.first_ms / $small.first_ms
            Add-Figure Lists "${protocol}: first object, 10,000 vs 1,000" "x$(Format-Number $firstRatio '0.00')" -Target 'after the first page (flat)' -Met ($large.first_ms -lt [Math]::Max(2 * $small.first_ms, $small.first_ms + 20))
            $heapRatio = $large.heap_growth / [Math]::Max(1, $small.heap_growth)
            Add-Figure Lists "${protocol}: live heap growth, 10,000 vs 1,000" "x$(Format-Number $heapRatio '0.00')" -Ratio "$(Format-Number ($large.heap_growth / 1KB) '#,0') KB vs $(Format-Number ($small.heap_growth / 1KB) '#,0') KB" -Target 'flat' -Met ($large.heap_growth -lt [Math]::Max(2 * $small.heap_growth, $small.heap_growth + 1MB))
        }
        Add-Note Lists 'Threads are seeded by bench/RawClient (Assistants: POST /threads with 32 messages, then one POST per message, 8 at a time; Responses: 20 items per POST). Each listing runs in a fresh pwsh (bench/probes/List.ps1) after a one-message warm-up: Get-OaiMessage -Thread <id> | ForEach-Object, the default oldest-first order, 100 per page; then the same listing assigned to $null, which leaves out the per-object cost of a script block consumer. Live heap growth: the largest GC.GetTotalMemory(forceFullCollection) sampled every 250 objects while listing, minus the heap before; peak working set: Process.PeakWorkingSet64 after the timed listing minus the working set before it (an upper bound, it includes GC budget). The raw walk is bench/RawClient reading the same pages into small classes (id, role, content text), median of three walks.'
        Add-Note Lists 'The emulator answers an Assistants page in time that grows with the thread (about 5 ms per page at 10,000 messages), which the raw walk pays too: compare the module with the raw figure of the same row.'
    }
    #endregion

    #region Peer
    Invoke-Section 'Peer' {
        Set-OaiTestEmulatorConfig -Emulator $script:Emulator -RunDurationMs 300
        $cases = @(
            @{ Module = 'PSAssistants'; Path = $modulePath; Protocol = 'Assistants' }
            @{ Module = 'PSAssistants'; Path = $modulePath; Protocol = 'Responses' }
        )
        if ($peerManifest) { $cases += @{ Module = 'PSOpenAI'; Path = $peerManifest; Protocol = 'Assistants' } }
        $results = @{}
        foreach ($case in $cases) {
            $r = Invoke-Probe Scenario @('-Module', $case.Module, '-ModulePath', $case.Path, '-Protocol', $case.Protocol, '-BaseUri', $base, '-ControlUri', $script:Emulator.ControlUri, '-Reps', '5')
            $results["$($case.Module)/$($case.Protocol)"] = $r
            $warm = Get-Median @($r.warm_ms)
            $label = "$($case.Module) ($($case.Protocol))"
            Add-Figure Peer "${label}: Math Tutor, warm (median of 5)" "$(Format-Number $warm '0') ms" -Ratio "cold $(Format-Number $r.cold_ms '0') ms; import $(Format-Number $r.import_ms '0') ms"
            Add-Figure Peer "${label}: requests per scenario" "$(@($r.requests)[-1])" -Ratio (@($r.breakdown) -join ', ')
        }
        if ($peerManifest) {
            $ours = $results['PSAssistants/Assistants']; $theirs = $results['PSOpenAI/Assistants']
            $ratio = (Get-Median @($theirs.warm_ms)) / (Get-Median @($ours.warm_ms))
            Add-Figure Peer 'PSOpenAI / PSAssistants, warm scenario time' "x$(Format-Number $ratio '0.00')" -Ratio "cold x$(Format-Number ($theirs.cold_ms / $ours.cold_ms) '0.00'); import x$(Format-Number ($theirs.import_ms / $ours.import_ms) '0.0')" -Target 'PSAssistants faster' -Met ($ratio -gt 1)
            Add-Figure Peer 'PSOpenAI / PSAssistants, requests per scenario' "$(@($theirs.requests)[-1]) vs $(@($ours.requests)[-1])" -Target 'no more than needed' -Met (@($ours.requests)[-1] -le @($theirs.requests)[-1])
            $version = (Import-PowerShellDataFile $peerManifest).ModuleVersion
            Add-Note Peer "Peer: PSOpenAI $version from '$PeerPath' (a script module run from its source), driven with -ApiBase/-ApiKey: New-Assistant -UseCodeInterpreter, New-Thread, Add-ThreadMessage, Start-ThreadRun, Wait-ThreadRun (its default polling), Get-ThreadMessage -All -Order asc."
        }
        else {
            Add-Figure Peer 'PSOpenAI (peer)' 'skipped' -Ratio 'no -PeerPath given'
            Add-Note Peer 'The peer was skipped: pass -PeerPath <PSOpenAI source folder> (for example a copy of mkht/PSOpenAI in bench/peer/, which git ignores).'
        }
        Add-Note Peer 'Each module runs in its own fresh pwsh (bench/probes/Scenario.ps1): Import-Module (timed in-process), then the scenario once cold and 5 times warm; each scenario creates the assistant, a thread, adds the question, runs it with the emulator''s default 300 ms duration, waits, and lists the thread''s messages (checked: 2 messages, run completed). Removing the thread and assistant afterwards is not timed or counted. Requests come from the emulator''s log.'
    }
    #endregion

    #region Cold
    Invoke-Section 'Cold' {
        # Before and after in one run: the IL-only dll of this build (what shipped before ReadyToRun) in a copy of
        # the module folder, beside the shipped one. Runs of 0.9 s, as a real run's shortest.
        $ilAssembly = Join-Path $repoRoot 'src/PSAssistants/bin/Release/net8.0/PSAssistants.dll'
        if (-not (Test-Path $ilAssembly)) { throw "The IL build is not at '$ilAssembly': run ./build.ps1 first." }
        $ilFolder = Join-Path ([IO.Path]::GetTempPath()) "psassistants-bench-il-$PID/PSAssistants"
        $null = New-Item -ItemType Directory -Path $ilFolder -Force
        Copy-Item -Path (Join-Path $modulePath '*') -Destination $ilFolder -Recurse -Force
        Copy-Item -LiteralPath $ilAssembly -Destination $ilFolder -Force
        # Name = module folder, PSASSISTANTS_WARMUP. Before = as shipped before issue 16: IL, no warm-up.
        $variants = [ordered]@{
            'before: IL, no warm-up'       = @($ilFolder, '0')
            'ReadyToRun, no warm-up'       = @($modulePath, '0')
            'shipped: ReadyToRun + warm-up' = @($modulePath, $null)
        }
        Set-OaiTestEmulatorConfig -Emulator $script:Emulator -RunDurationMs 900
        $saved = @{}
        foreach ($name in 'OPENAI_BASE_URL', 'OPENAI_API_KEY', 'OPENAI_PROTOCOL') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        $env:OPENAI_BASE_URL = $base
        $env:OPENAI_API_KEY = $key
        try {
            foreach ($protocol in 'Assistants', 'Responses') {
                $env:OPENAI_PROTOCOL = $protocol
                $runs = @{}
                foreach ($name in $variants.Keys) { $runs[$name] = [Collections.Generic.List[object]]::new() }
                # One discarded process first (disk cache), then the variants interleaved.
                $null = Invoke-Probe Cold @('-ModulePath', $modulePath, '-Rounds', '2')
                for ($i = 0; $i -lt $ColdRuns; $i++) {
                    foreach ($name in $variants.Keys) {
                        $env:PSASSISTANTS_WARMUP = $variants[$name][1]
                        try { $runs[$name].Add((Invoke-Probe Cold @('-ModulePath', $variants[$name][0], '-Rounds', '3'))) }
                        finally { $env:PSASSISTANTS_WARMUP = $null }
                    }
                }
                foreach ($name in $variants.Keys) {
                    $r = $runs[$name]
                    $cold = @($r | ForEach-Object { $_.rounds[0].total_ms })
                    $warm = @($r | ForEach-Object { Get-Median @($_.rounds[1].total_ms, $_.rounds[2].total_ms) })
                    $coldFirst = @($r | ForEach-Object { $_.rounds[0].steps.'New-OaiAssistant'.ms })
                    $warmFirst = @($r | ForEach-Object { Get-Median @($_.rounds[1].steps.'New-OaiAssistant'.ms, $_.rounds[2].steps.'New-OaiAssistant'.ms) })
                    # Paired: each process's cold round minus its own warm rounds, which saw the same load.
                    $gap = Get-Median @(for ($k = 0; $k -lt $r.Count; $k++) { $cold[$k] - $warm[$k] })
                    $gapMin = ($cold | Measure-Object -Minimum).Minimum - ($warm | Measure-Object -Minimum).Minimum
                    $methods = Get-Median @($r | ForEach-Object { $_.rounds[0].steps.PSObject.Properties | ForEach-Object { $_.Value.methods } | Measure-Object -Sum | ForEach-Object Sum })
                    $firstMethods = Get-Median @($r | ForEach-Object { $_.rounds[0].steps.'New-OaiAssistant'.methods })
                    $import = Get-Median @($r | ForEach-Object import_ms)
                    Add-Figure Cold "$protocol, $name`: cold (round 1), total" "$(Format-Number (Get-Median $cold) '0') ms" -Ratio "first call $(Format-Number (Get-Median $coldFirst) '0') ms; JIT-compiled: $(Format-Number $firstMethods '0') methods in the first call, $(Format-Number $methods '0') in the round; import $(Format-Number $import '0') ms (not in the total)"
                    Add-Figure Cold "$protocol, $name`: warm (rounds 2-3), total" "$(Format-Number (Get-Median $warm) '0') ms" -Ratio "first call $(Format-Number (Get-Median $warmFirst) '0') ms"
                    $isShipped = $name -like 'shipped*'
                    Add-Figure Cold "$protocol, $name`: cold minus warm, same process" "$(Format-Number $gap '0') ms" -Ratio "min-based $(Format-Number $gapMin '0') ms" -Target $(if ($isShipped) { '< 100 ms' } else { '' }) -Met $(if ($isShipped) { $gap -lt 100 } else { $null })
                }
            }
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
            Set-OaiTestEmulatorConfig -Emulator $script:Emulator -RunDurationMs 300
            Remove-Item -LiteralPath (Split-Path $ilFolder) -Recurse -Force -ErrorAction Ignore
        }
        Add-Note Cold "Each process (bench/probes/Cold.ps1, $($pwsh -join ' ') -NoProfile -NonInteractive -File): Import-Module, then the Math Tutor flow three times as a runbook writes it: no Connect-OaiService (the default session from OPENAI_BASE_URL/OPENAI_API_KEY/OPENAI_PROTOCOL), New-OaiAssistant, New-OaiThread, Add-OaiMessage, Start-OaiRun -Wait (the emulator's runs take 0.9 s), Get-OaiMessage; each step timed with a Stopwatch, cleanup after each round not timed. Round 1 is cold; warm = the median of rounds 2 and 3 of the same process. $ColdRuns processes per variant and protocol after one discarded process, the variants interleaved; figures are medians over processes, cold minus warm is paired per process; min-based: fastest cold round minus fastest warm round. JIT-compiled methods: System.Runtime.JitInfo.GetCompiledMethodCount, all threads (tier-0 compilations, and tier-1 recompilations of hot methods in the background)."
        Add-Note Cold "'before' is this build's net8.0 IL assembly with PSASSISTANTS_WARMUP=0, as the module was before issue 16; 'ReadyToRun, no warm-up' is out/PSAssistants (the same IL plus precompiled code for .NET 10 on linux-x64, tools/ReadyToRun) with PSASSISTANTS_WARMUP=0; 'shipped' is out/PSAssistants as it runs by default, with the import-time warm-up of the JSON metadata (src/PSAssistants/Client/OaiWarmup.cs)."
    }
    #endregion

    #region Alloc
    Invoke-Section 'Alloc' {
        $n = 500
        $text = $question
        $measure = {
            param([scriptblock] $Loop)
            & $Loop 50  # warm-up
            [GC]::Collect()
            $before = [GC]::GetTotalAllocatedBytes($true)
            $watch = [Diagnostics.Stopwatch]::StartNew()
            & $Loop $n
            [pscustomobject]@{ Bytes = ([GC]::GetTotalAllocatedBytes($true) - $before) / $n; Ms = $watch.Elapsed.TotalMilliseconds / $n }
        }
        Connect-OaiService -BaseUri $base -ApiKey $key -Protocol Assistants
        $thread = New-OaiThread
        $tid = $thread.Id
        $rawThread = New-OaiThread
        $raw = Invoke-RawClient @('post-message', '--base', $base, '--key', $key, '--thread', $rawThread.Id, '--count', "$n", '--warmup', '50')
        Add-Figure Alloc 'raw HttpClient POST /threads/{id}/messages (C#)' "$(Format-Number $raw[0].bytes_per_call '#,0') B/call" -Ratio "$(Format-Number $raw[0].ms_per_call '0.000') ms/call"
        $module = & $measure { param($count) for ($i = 0; $i -lt $count; $i++) { $null = Add-OaiMessage -Thread $tid -Content $text } }
        Add-Figure Alloc 'Add-OaiMessage (Assistants)' "$(Format-Number $module.Bytes '#,0') B/call" -Ratio "x$(Format-Number ($module.Bytes / $raw[0].bytes_per_call) '0.0') of raw; $(Format-Number $module.Ms '0.000') ms/call"
        $noop = & $measure { param($count) for ($i = 0; $i -lt $count; $i++) { $null = Get-OaiSession } }
        Add-Figure Alloc '  of which: invoking a module cmdlet (Get-OaiSession, no request)' "$(Format-Number $noop.Bytes '#,0') B/call" -Ratio "$(Format-Number $noop.Ms '0.000') ms/call"
        Add-Figure Alloc '  so the request, its JSON and the mapping' "$(Format-Number ($module.Bytes - $noop.Bytes) '#,0') B/call" -Ratio "x$(Format-Number (($module.Bytes - $noop.Bytes) / $raw[0].bytes_per_call) '0.0') of raw"
        $irmThread = New-OaiThread
        $uri = "$base/threads/$($irmThread.Id)/messages"
        $headers = @{ Authorization = "Bearer $key"; 'OpenAI-Beta' = 'assistants=v2' }
        $body = @{ role = 'user'; content = $text } | ConvertTo-Json -Compress
        $irm = & $measure { param($count) for ($i = 0; $i -lt $count; $i++) { $null = Invoke-RestMethod -Method Post -Uri $uri -Headers $headers -Body $body -ContentType 'application/json' } }
        Add-Figure Alloc 'Invoke-RestMethod -Method Post (same request)' "$(Format-Number $irm.Bytes '#,0') B/call" -Ratio "$(Format-Number $irm.Ms '0.000') ms/call"

        Connect-OaiService -BaseUri $base -ApiKey $key -Protocol Responses
        $conversation = New-OaiThread
        $cid = $conversation.Id
        $responses = & $measure { param($count) for ($i = 0; $i -lt $count; $i++) { $null = Add-OaiMessage -Thread $cid -Content $text } }
        Add-Figure Alloc 'Add-OaiMessage (Responses: POST /conversations/{id}/items)' "$(Format-Number $responses.Bytes '#,0') B/call" -Ratio "$(Format-Number $responses.Ms '0.000') ms/call"
        Add-Note Alloc "GC.GetTotalAllocatedBytes(precise) around $n calls after 50 warm-up calls, in one process (all threads, so the HTTP stack's async continuations count), divided by $n. The raw client's figure is its own process's, measured the same way."
    }
    #endregion
}
finally {
    Stop-OaiTestEmulator $script:Emulator
    Remove-Item -LiteralPath $storePath, "$storePath.lock" -ErrorAction Ignore
}

#region results.md

$commit = (& git -C $repoRoot rev-parse --short HEAD 2>$null)
$dirty = if (& git -C $repoRoot status --porcelain -- src 2>$null) { ' (src/ has uncommitted changes)' } else { '' }
$cpu = if (Test-Path /proc/cpuinfo) { ((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', '') } else { $env:PROCESSOR_IDENTIFIER }
$titles = [ordered]@{
    Import  = '1. Import'
    PerCall = '2. Per-call overhead'
    Wait    = '3. Wait latency'
    Lists   = '4. Large lists'
    Peer    = '5. Peer: the Math Tutor scenario'
    Alloc   = '6. Allocation per call'
    Cold    = '7. Cold start: a fresh process against a warm one'
}
$md = [Text.StringBuilder]::new()
$null = $md.AppendLine('# PSAssistants benchmark results').AppendLine()
$null = $md.AppendLine('Written by `dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench` (bench/Bench.ps1); do not edit by hand.').AppendLine()
$null = $md.AppendLine("- Date: $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm', $inv)) UTC; commit $commit$dirty")
$null = $md.AppendLine("- Machine: $cpu, $([Environment]::ProcessorCount) cores; $([Runtime.InteropServices.RuntimeInformation]::OSDescription)")
$null = $md.AppendLine("- PowerShell $($PSVersionTable.PSVersion) on .NET $([Environment]::Version); the emulator (tests/PSAssistants.Emulator) on 127.0.0.1")
$null = $md.AppendLine("- Options: sections $($Section -join ', '); $Calls calls x $Rounds rounds; $ImportRuns import runs; 60 s runs $(if ($Long) { 'included (-Long)' } else { 'not run (pass -Long)' }); peer $(if ($peerManifest) { 'PSOpenAI' } else { 'skipped' })")
$null = $md.AppendLine("- Total time: $(Format-Number $totalClock.Elapsed.TotalSeconds '0') s; load average (1, 5, 15 min) $loadBefore at the start, $(Get-LoadAverage) at the end: other work on the machine shows up as noise in the timings, less so in the ratios of interleaved rounds and not at all in the request counts and allocations").AppendLine()

# A run of some sections keeps the other sections (and their target rows) from the previous results.md, so one
# section can be measured again without a full run; the header says which sections are from which run.
$kept = @{}
$keptTargets = [Collections.Generic.List[string]]::new()
$skipped = @($titles.Keys | Where-Object { $_ -notin $Section })
if ($skipped.Count -and (Test-Path -LiteralPath $OutFile)) {
    $old = (Get-Content -Raw -LiteralPath $OutFile) -replace "`r`n", "`n"
    $blocks = @{}
    foreach ($m in [regex]::Matches($old, '(?ms)^## (?<title>[^\n]+)\n(?<body>.*?)(?=^## |\z)')) { $blocks[$m.Groups['title'].Value.Trim()] = $m.Groups['body'].Value }
    foreach ($name in $skipped) { if ($blocks.ContainsKey($titles[$name])) { $kept[$name] = $blocks[$titles[$name]] } }
    if ($blocks.ContainsKey('Targets')) {
        foreach ($line in ($blocks['Targets'] -split "`n" | Where-Object { $_ -match '^\| ' -and $_ -notmatch '^\| Figure \|' })) {
            $figure = ($line -split ' \| ')[0].TrimStart('|', ' ')
            if ($kept.Values | Where-Object { $_.Contains("$figure |") }) { $keptTargets.Add($line) }
        }
    }
    $oldDate = [regex]::Match($old, '(?m)^- Date: (?<d>.*)$').Groups['d'].Value
    if ($kept.Count) { $null = $md.AppendLine("- Sections $(@($kept.Keys | ForEach-Object { $titles[$_] -replace '^(\d+)\..*', '$1' } | Sort-Object) -join ', ') are kept from the previous run ($oldDate); the rest are from this run.").AppendLine() }
}

$targets = @($script:Rows | Where-Object { $_.Target })
if ($targets.Count -or $keptTargets.Count) {
    $null = $md.AppendLine('## Targets').AppendLine()
    $null = $md.AppendLine('| Figure | Measured | Target | Met |').AppendLine('|---|---|---|---|')
    foreach ($line in $keptTargets) { $null = $md.AppendLine($line) }
    foreach ($row in $targets) {
        $met = if ($null -eq $row.Met) { '' } elseif ($row.Met) { 'yes' } else { '**no**' }
        $null = $md.AppendLine("| $($row.Name.Trim() -replace '\|', '\|') | $($row.Value) | $($row.Target) | $met |")
    }
    $null = $md.AppendLine()
}
foreach ($name in $titles.Keys) {
    if ($kept.ContainsKey($name)) {
        $null = $md.AppendLine("## $($titles[$name])").AppendLine().AppendLine($kept[$name].Trim()).AppendLine()
        continue
    }
    $sectionRows = @($script:Rows | Where-Object Section -EQ $name)
    if ($sectionRows.Count -eq 0) { continue }
    $null = $md.AppendLine("## $($titles[$name])").AppendLine()
    $null = $md.AppendLine('| Figure | Value | Ratio / detail | Target |').AppendLine('|---|---|---|---|')
    foreach ($row in $sectionRows) {
        $target = if ($row.Target) { $row.Target + $(if ($null -eq $row.Met) { '' } elseif ($row.Met) { ': met' } else { ': **not met**' }) } else { '' }
        $figure = ($row.Name -replace '^\s+', '&nbsp;&nbsp;') -replace '\|', '\|'
        $null = $md.AppendLine("| $figure | $($row.Value) | $($row.Ratio -replace '\|', '\|') | $target |")
    }
    $null = $md.AppendLine()
    if ($script:Notes.ContainsKey($name)) {
        foreach ($note in $script:Notes[$name]) { $null = $md.AppendLine("- $note") }
        $null = $md.AppendLine()
    }
}
$extra = Join-Path $PSScriptRoot 'results-notes.md'
if (Test-Path $extra) { $null = $md.AppendLine((Get-Content -Raw $extra).TrimEnd()).AppendLine() }
Set-Content -LiteralPath $OutFile -Value $md.ToString().TrimEnd() -Encoding utf8NoBOM
#endregion

Write-Host ''
$notMet = @($targets | Where-Object { $_.Met -eq $false })
Write-Host "Bench: $($script:Rows.Count) figures, $($targets.Count - $notMet.Count) of $($targets.Count) targets met; written to $([IO.Path]::GetRelativePath($repoRoot, $OutFile)) in $(Format-Number $totalClock.Elapsed.TotalSeconds '0') s"
if ($script:Failed.Count) {
    Write-Host "Bench: these sections failed: $($script:Failed -join ', ')" -ForegroundColor Red
    exit 1
}
exit 0
