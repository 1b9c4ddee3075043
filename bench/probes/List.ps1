#Requires -Version 7.4
<#
.SYNOPSIS
    Bench probe, run in a fresh pwsh by bench/Bench.ps1: lists every message of one thread with Get-OaiMessage
    and prints one JSON line: time to the first object, total time, requests, peak working set and GC heap growth.
.DESCRIPTION
    Passes over the same thread after a one-message warm-up (which JIT-compiles the list path):
      1. timed: Get-OaiMessage | ForEach-Object, noting when the first object arrives; working set and
         allocated bytes are read around it;
      1b. the same listing assigned to $null (no per-object consumer), timed, with its allocations;
      2. memory: the same listing, forcing a full GC every SampleEvery objects to read the live managed heap,
         whose largest value minus the heap before the listing is what the listing holds on to.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $BaseUri,
    [Parameter(Mandatory)] [string] $ControlUri,
    [Parameter(Mandatory)] [ValidateSet('Assistants', 'Responses')] [string] $Protocol,
    [Parameter(Mandatory)] [string] $ThreadId,
    [int] $SampleEvery = 250
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
Connect-OaiService -BaseUri $BaseUri -ApiKey 'sk-bench' -Protocol $Protocol

function Get-RequestCount { [int](Invoke-RestMethod -Uri "$ControlUri/__emulator/requests/count" -NoProxy).count }

$null = Get-OaiMessage -Thread $ThreadId -First 1
$process = [Diagnostics.Process]::GetCurrentProcess()

# Pass 1: time.
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$process.Refresh()
$wsBefore = $process.WorkingSet64
$peakBefore = $process.PeakWorkingSet64
$allocBefore = [GC]::GetTotalAllocatedBytes($true)
$requestsBefore = Get-RequestCount
$script:n = 0
$script:first = 0.0
$watch = [Diagnostics.Stopwatch]::StartNew()
Get-OaiMessage -Thread $ThreadId | ForEach-Object {
    if ($script:n++ -eq 0) { $script:first = $watch.Elapsed.TotalMilliseconds }
}
$total = $watch.Elapsed.TotalMilliseconds
$allocated = [GC]::GetTotalAllocatedBytes($true) - $allocBefore
$requests = (Get-RequestCount) - $requestsBefore
$process.Refresh()
$peakAfter = $process.PeakWorkingSet64
$count = $script:n

# Pass 1b: the same listing with no consumer ($null =), to tell the module's cost from ForEach-Object's.
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$allocBare = [GC]::GetTotalAllocatedBytes($true)
$watch.Restart()
$null = Get-OaiMessage -Thread $ThreadId
$bareMs = $watch.Elapsed.TotalMilliseconds
$allocBare = [GC]::GetTotalAllocatedBytes($true) - $allocBare

# Pass 2: live managed heap while listing.
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$heapBefore = [GC]::GetTotalMemory($true)
$script:n = 0
$script:maxHeap = $heapBefore
Get-OaiMessage -Thread $ThreadId | ForEach-Object {
    if ((++$script:n % $SampleEvery) -eq 0) {
        $live = [GC]::GetTotalMemory($true)
        if ($live -gt $script:maxHeap) { $script:maxHeap = $live }
    }
}

[pscustomobject]@{
    count              = $count
    first_ms           = $script:first
    total_ms           = $total
    requests           = $requests
    bare_ms            = $bareMs
    bare_allocated     = $allocBare
    allocated_bytes    = $allocated
    ws_before          = $wsBefore
    peak_ws_growth     = [Math]::Max(0, $peakAfter - [Math]::Max($peakBefore, $wsBefore))
    peak_ws_over_start = $peakAfter - $wsBefore
    heap_growth        = $script:maxHeap - $heapBefore
} | ConvertTo-Json -Compress
