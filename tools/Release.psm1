#Requires -Version 7.4
<#
.SYNOPSIS
    What build.ps1 needs to release the module: the CHANGELOG.md section of a version, the manifest with its
    ReleaseNotes taken from it, and the .nupkg made by PSResourceGet's Publish-PSResource.
#>

Set-StrictMode -Version 3.0

function Get-ChangelogSection {
    <#
    .SYNOPSIS
        The text under '## [<Version>]' in a Keep a Changelog file, up to the next '## ' heading; throws when
        there is no such section or it is empty.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Version)
    if (-not (Test-Path -LiteralPath $Path)) { throw "$Path does not exist: the release notes come from it." }
    $lines = @(Get-Content -LiteralPath $Path)
    $heading = "^##\s+\[$([regex]::Escape($Version))\](\s|$)"
    $start = -1
    for ($i = 0; $i -lt $lines.Count; $i++) { if ($lines[$i] -match $heading) { $start = $i; break } }
    if ($start -lt 0) {
        throw "$([IO.Path]::GetFileName($Path)) has no '## [$Version]' section: add one for the version in Directory.Build.props."
    }
    $body = [System.Collections.Generic.List[string]]::new()
    for ($i = $start + 1; $i -lt $lines.Count -and $lines[$i] -notmatch '^##\s'; $i++) { $body.Add($lines[$i]) }
    $text = ($body -join "`n").Trim()
    if (-not $text) { throw "The '## [$Version]' section of $([IO.Path]::GetFileName($Path)) is empty." }
    "$($lines[$start].TrimStart('#', ' '))`n`n$text"
}

function Copy-ManifestWithReleaseNotes {
    <#
    .SYNOPSIS
        Copies a module manifest, replacing its ReleaseNotes value (a single-quoted here-string) with Text.
    .DESCRIPTION
        A text replacement rather than Update-ModuleManifest, which would rewrite the whole file: everything
        else stays byte for byte as in the source manifest.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [string] $Destination,
        [Parameter(Mandatory)] [string] $Text
    )
    $source = Get-Content -Raw -LiteralPath $Path
    $pattern = "(?ms)^(\s*ReleaseNotes\s*=\s*)@'\r?\n.*?\r?\n'@"
    if ($source -notmatch $pattern) { throw "$Path has no ReleaseNotes = @'...'@ to fill." }
    $newLine = if ($source.Contains("`r`n")) { "`r`n" } else { "`n" }
    # A line that starts with '@ would end the here-string early; the changelog never has one.
    if ($Text -match "(?m)^'@") { throw "The release notes have a line starting with '@, which a here-string cannot hold." }
    $notes = ($Text -split "\r?\n") -join $newLine
    $result = [regex]::Replace($source, $pattern, { param($m) "$($m.Groups[1].Value)@'$newLine$notes$newLine'@" }, 'None', [TimeSpan]::FromSeconds(5))
    [IO.File]::WriteAllText($Destination, $result, [Text.UTF8Encoding]::new($false))
}

function New-ModulePackage {
    <#
    .SYNOPSIS
        Writes <OutputPath>/<Name>.<version>.nupkg from a laid-out module folder with Publish-PSResource to a
        temporary folder repository, as the PowerShell Gallery would receive it. Returns the file.
    .PARAMETER Exclude
        File name patterns left out of the package (debug symbols by default).
    #>
    [CmdletBinding()]
    [OutputType([System.IO.FileInfo])]
    param(
        [Parameter(Mandatory)] [string] $ModulePath,
        [Parameter(Mandatory)] [string] $OutputPath,
        [string[]] $Exclude = @('*.pdb')
    )
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    $name = [IO.Path]::GetFileName($ModulePath.TrimEnd('\', '/'))
    $version = (Import-PowerShellDataFile -LiteralPath (Join-Path $ModulePath "$name.psd1")).ModuleVersion
    $work = Join-Path ([IO.Path]::GetTempPath()) "psassistants-package-$([guid]::NewGuid().ToString('n'))"
    # Publish-PSResource packs the folder as it finds it, so the staged copy is the package's content.
    $staged = Join-Path $work $name
    $repository = Join-Path $work 'repository'
    $repositoryName = "PSAssistantsBuild-$([guid]::NewGuid().ToString('n'))"
    $registered = $false
    try {
        $null = New-Item -ItemType Directory -Path $staged, $repository -Force
        Copy-Item -Path (Join-Path $ModulePath '*') -Destination $staged -Recurse -Exclude $Exclude
        Register-PSResourceRepository -Name $repositoryName -Uri $repository -Trusted -ErrorAction Stop
        $registered = $true
        Publish-PSResource -Path $staged -Repository $repositoryName -ErrorAction Stop
        $built = @(Get-ChildItem -LiteralPath $repository -Filter '*.nupkg')
        if ($built.Count -ne 1) { throw "Publish-PSResource wrote $($built.Count) packages to the folder repository, not one." }
        $null = New-Item -ItemType Directory -Path $OutputPath -Force
        $target = Join-Path $OutputPath "$name.$version.nupkg"
        Copy-Item -LiteralPath $built[0].FullName -Destination $target -Force
        Get-Item -LiteralPath $target
    }
    finally {
        if ($registered) { Unregister-PSResourceRepository -Name $repositoryName -ErrorAction SilentlyContinue }
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }
}

Export-ModuleMember -Function Get-ChangelogSection, Copy-ManifestWithReleaseNotes, New-ModulePackage
