#
# Module manifest for PSAssistants.
# ModuleVersion must equal <Version> in Directory.Build.props: build.ps1 refuses to lay out the module otherwise.
#
@{
    RootModule             = 'PSAssistants.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '9d46a959-d237-4e4e-aa32-d84c9a50fcbc'
    Author                 = 'PSAssistants contributors'
    CompanyName            = 'PSAssistants contributors'
    Copyright              = '(c) PSAssistants contributors. Released under the MIT License.'
    Description            = 'Drive OpenAI-compatible assistants from the PowerShell pipeline: create assistants and threads, add messages, start runs and wait for them, with the Assistants v2 API or the Responses and Conversations APIs, against OpenAI or any compatible server.'
    PowerShellVersion      = '7.4'
    CompatiblePSEditions   = @('Core')
    FormatsToProcess       = @('PSAssistants.format.ps1xml')

    # Explicit lists: no wildcards, so module discovery does not have to load the dll to know what it exports.
    CmdletsToExport        = @(
        'Connect-OaiService'
        'Disconnect-OaiService'
        'Get-OaiSession'
        'New-OaiSession'
        'New-OaiAssistant'
        'Get-OaiAssistant'
        'Remove-OaiAssistant'
        'Export-OaiAssistant'
        'Import-OaiAssistant'
        'New-OaiThread'
        'Get-OaiThread'
        'Remove-OaiThread'
        'Add-OaiMessage'
        'Get-OaiMessage'
        'Start-OaiRun'
        'Get-OaiRun'
        'Wait-OaiRun'
        'Stop-OaiRun'
        'Add-OaiFile'
        'Get-OaiFile'
        'Remove-OaiFile'
        'Save-OaiFile'
        'New-OaiVectorStore'
        'Get-OaiVectorStore'
        'Add-OaiVectorStoreFile'
        'Remove-OaiVectorStore'
        'New-OaiFunctionTool'
        'New-OaiTool'
        'Submit-OaiToolOutput'
        'Set-OaiAssistant'
        'Set-OaiThread'
        'Set-OaiMessage'
        'Remove-OaiMessage'
        'Get-OaiRunStep'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()

    PrivateData            = @{
        PSData = @{
            Tags         = @('OpenAI', 'Assistants', 'AI', 'LLM', 'Responses', 'ChatGPT', 'Automation', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://github.com/psassistants/PSAssistants'
            LicenseUri   = 'https://github.com/psassistants/PSAssistants/blob/main/LICENSE'
            # build.ps1 replaces this with the CHANGELOG.md section of ModuleVersion in the built manifest.
            ReleaseNotes = @'
See CHANGELOG.md.
'@
        }
    }
}
