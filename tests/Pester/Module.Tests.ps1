#Requires -Version 7.4
<#
    The built module as a whole: its manifest, its version, its layout, and what a fresh pwsh sees when it
    imports it. Runs against out/PSAssistants (or $env:PSASSISTANTS_MODULE_PATH); build.ps1 builds it first.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $repoRoot = Get-OaiTestRepoRoot
    $modulePath = Get-OaiTestModulePath
    $manifestPath = Join-Path $modulePath 'PSAssistants.psd1'
    $manifest = Import-PowerShellDataFile -LiteralPath $manifestPath
    # The cmdlets the module is specified to have; the manifest may list more.
    $coreCmdlets = @(
        'Connect-OaiService', 'Disconnect-OaiService', 'Get-OaiSession',
        'New-OaiAssistant', 'Get-OaiAssistant', 'Remove-OaiAssistant',
        'New-OaiThread', 'Get-OaiThread', 'Remove-OaiThread',
        'Add-OaiMessage', 'Get-OaiMessage',
        'Start-OaiRun', 'Get-OaiRun', 'Wait-OaiRun', 'Stop-OaiRun'
    )

    # One import in a fresh child pwsh serves the import tests below: this process never loads the dll.
    $importScript = @"
`$ErrorActionPreference = 'Stop'
`$clock = [Diagnostics.Stopwatch]::StartNew()
`$module = Import-Module '$($modulePath -replace "'", "''")' -PassThru
`$clock.Stop()
# Every cmdlet the assembly defines, whether the manifest exports it or not.
`$inDll = @(`$module.ImplementingAssembly.GetExportedTypes() | Where-Object { -not `$_.IsAbstract } |
    ForEach-Object { `$_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], `$false) } |
    ForEach-Object { "`$(`$_.VerbName)-`$(`$_.NounName)" })
[pscustomobject]@{
    ImportMs  = `$clock.ElapsedMilliseconds
    InDll     = `$inDll
    Cmdlets   = @(Get-Command -Module PSAssistants -CommandType Cmdlet | ForEach-Object Name)
    Functions = @(`$module.ExportedFunctions.Keys)
    Aliases   = @(`$module.ExportedAliases.Keys)
    Variables = @(`$module.ExportedVariables.Keys)
} | ConvertTo-Json -Compress
"@
    $import = Invoke-OaiTestPwsh -Command $importScript
    $imported = if ($import.ExitCode -eq 0) { $import.Output[-1] | ConvertFrom-Json } else { $null }
}

Describe 'The module manifest' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'has the version of Directory.Build.props' {
        $props = [xml](Get-Content -Raw (Join-Path $repoRoot 'Directory.Build.props'))
        $version = $props.SelectSingleNode('/Project/PropertyGroup/Version').InnerText.Trim()
        $manifest.ModuleVersion | Should -Be $version
        (Test-ModuleManifest -Path $manifestPath).Version.ToString() | Should -Be $version
    }

    It 'is the manifest at the repository root with the CHANGELOG.md section of its version as ReleaseNotes' {
        $changelog = Get-Content -Raw (Join-Path $repoRoot 'CHANGELOG.md')
        $version = [regex]::Escape($manifest.ModuleVersion)
        $changelog | Should -Match "(?m)^## \[$version\]"
        $section = [regex]::Match($changelog, "(?ms)^## \[$version\][^\n]*\n(?<body>.*?)(?=^## |\z)").Groups['body'].Value.Trim()
        $section | Should -Not -BeNullOrEmpty
        $notes = $manifest.PrivateData.PSData.ReleaseNotes -replace '\r\n', "`n"
        $notes.StartsWith("[$($manifest.ModuleVersion)]") | Should -BeTrue -Because 'the notes start with the heading of the version'
        $notes.EndsWith(($section -replace '\r\n', "`n")) | Should -BeTrue -Because 'the notes are that section of CHANGELOG.md'
        # Everything else is the root manifest byte for byte.
        $unnoted = { param($text) $text -replace "(?ms)ReleaseNotes = @'.*?\n'@", 'ReleaseNotes' }
        (& $unnoted (Get-Content -Raw $manifestPath)) | Should -BeExactly (& $unnoted (Get-Content -Raw (Join-Path $repoRoot 'PSAssistants.psd1')))
    }

    It 'exports the specified cmdlets by name, and no functions, variables or aliases' {
        $manifest.CmdletsToExport | Should -Not -Contain '*'
        foreach ($name in $coreCmdlets) { $manifest.CmdletsToExport | Should -Contain $name }
        $manifest.FunctionsToExport | Should -HaveCount 0
        $manifest.VariablesToExport | Should -HaveCount 0
        $manifest.AliasesToExport | Should -HaveCount 0
    }

    It 'targets PowerShell 7.4 and later, Core edition, as a binary module with its format file' {
        $manifest.RootModule | Should -Be 'PSAssistants.dll'
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.FormatsToProcess | Should -Be @('PSAssistants.format.ps1xml')
    }

    It 'has the gallery metadata: tags, project and license links, release notes' {
        $data = $manifest.PrivateData.PSData
        $data.Tags | Should -Contain 'PSEdition_Core'
        foreach ($platform in 'Linux', 'Windows', 'MacOS') { $data.Tags | Should -Contain $platform }
        $data.ProjectUri | Should -Be 'https://github.com/psassistants/PSAssistants'
        $data.LicenseUri | Should -Be 'https://github.com/psassistants/PSAssistants/blob/main/LICENSE'
        $data.ReleaseNotes | Should -Not -BeNullOrEmpty
        $manifest.GUID | Should -Match '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
        $manifest.Description | Should -Not -BeNullOrEmpty
    }
}

Describe 'The built module folder' {
    It 'holds only the allow-listed files' {
        $allowed = @('PSAssistants.psd1', 'PSAssistants.dll', 'PSAssistants.pdb', 'PSAssistants.format.ps1xml', 'LICENSE',
            'System.Net.ServerSentEvents.dll',
            'en-US', 'en-US/PSAssistants.dll-Help.xml', 'en-US/about_*.help.txt')
        $files = Get-ChildItem -LiteralPath $modulePath -Recurse |
            ForEach-Object { [IO.Path]::GetRelativePath($modulePath, $_.FullName) -replace '\\', '/' }
        $stray = $files | Where-Object { $file = $_; -not ($allowed | Where-Object { $file -like $_ }) }
        $stray | Should -BeNullOrEmpty -Because 'build.ps1 copies an allow-list'
        foreach ($required in 'PSAssistants.psd1', 'PSAssistants.dll', 'PSAssistants.format.ps1xml', 'LICENSE') {
            $files | Should -Contain $required
        }
    }

    It 'has a well-formed format file' {
        { [xml](Get-Content -Raw (Join-Path $modulePath 'PSAssistants.format.ps1xml')) } | Should -Not -Throw
    }

    It 'has compiled help when docs/en-US has pages' {
        $pages = @(Get-ChildItem (Join-Path $repoRoot 'docs/en-US') -Filter '*.md' -ErrorAction Ignore)
        $help = Join-Path $modulePath 'en-US/PSAssistants.dll-Help.xml'
        if ($pages.Count -eq 0) {
            Set-ItResult -Skipped -Because 'docs/en-US has no pages yet'
            return
        }
        $help | Should -Exist
        $maml = [xml](Get-Content -Raw $help)
        $maml.helpItems.command.Count | Should -BeGreaterOrEqual 1
    }
}

Describe 'Importing the module in a fresh pwsh' {
    It 'imports without errors' {
        $import.ExitCode | Should -Be 0 -Because ($import.Output -join "`n")
        Write-Information "Import-Module PSAssistants took $($imported.ImportMs) ms in a fresh pwsh." -InformationAction Continue
    }

    It 'exports exactly the cmdlets of CmdletsToExport' {
        $imported | Should -Not -BeNullOrEmpty -Because 'the module must import'
        if (@($imported.Cmdlets).Count -eq 0) {
            Set-ItResult -Skipped -Because 'PSAssistants.dll has no cmdlets yet'
            return
        }
        @($imported.Cmdlets | Sort-Object) | Should -Be @($manifest.CmdletsToExport | Sort-Object)
        $imported.Functions | Should -HaveCount 0
        $imported.Aliases | Should -HaveCount 0
        $imported.Variables | Should -HaveCount 0
    }

    It 'leaves no cmdlet of the dll out of CmdletsToExport' {
        $imported | Should -Not -BeNullOrEmpty -Because 'the module must import'
        @($imported.InDll | Where-Object { $_ -notin $manifest.CmdletsToExport }) | Should -BeNullOrEmpty -Because 'a cmdlet missing from CmdletsToExport is invisible to users'
    }
}

# Tagged Wire, so it also runs in build.ps1's wire pass: through Prism, which checks the request and the
# emulator's answer against the OpenAPI description, while the control calls go to the emulator itself.
Describe 'The test plumbing' -Tag Wire {
    BeforeAll {
        $emulator = Start-OaiTestEmulator
    }

    AfterAll {
        Stop-OaiTestEmulator $emulator
    }

    It 'reaches the API at BaseUri and the control endpoints at ControlUri' {
        $headers = @{ Authorization = 'Bearer sk-test'; 'OpenAI-Beta' = 'assistants=v2' }
        $list = Invoke-RestMethod -Uri "$($emulator.BaseUri)/assistants?limit=1" -Headers $headers -NoProxy -TimeoutSec 30
        $list.object | Should -Be 'list'
        Get-OaiTestRequest -Emulator $emulator -Count | Should -BeGreaterOrEqual 1
        Reset-OaiTestEmulator -Emulator $emulator
        Get-OaiTestRequest -Emulator $emulator -Count | Should -Be 0
    }
}
