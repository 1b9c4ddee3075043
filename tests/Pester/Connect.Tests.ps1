#Requires -Version 7.4
# How sessions authenticate and route: Azure OpenAI (api-key or Entra tokens), SecretManagement vaults,
# proxies, and the key kept out of everything a session shows or serializes.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-OaiTestModule
    $script:Emulator = Start-OaiTestEmulator
    $script:Root = ([uri]$Emulator.BaseUri).GetLeftPart('Authority')
    $script:SavedStore = $env:PSASSISTANTS_ASSISTANT_STORE
    $env:PSASSISTANTS_ASSISTANT_STORE = Join-Path $TestDrive 'assistants.json'
    function Get-LastRequest { @(Get-OaiTestRequest -Emulator $Emulator)[-1] }
}

AfterAll {
    $env:PSASSISTANTS_ASSISTANT_STORE = $SavedStore
    Disconnect-OaiService
    $Emulator | Stop-OaiTestEmulator
}

Describe 'Azure OpenAI' {
    It 'uses the resource''s v1 API with the api-key header and Responses by default' {
        $s = Connect-OaiService -AzureEndpoint $Root -ApiKey 'azure-resource-key-77' -PassThru
        $s.BaseUri | Should -Be "$Root/openai/v1"
        $s.Protocol | Should -Be 'Responses'
        $s.Authentication | Should -Be 'AzureApiKey'
        $thread = New-OaiThread
        $request = Get-LastRequest
        $request.path | Should -Be '/openai/v1/conversations'
        $request.headers.'api-key' | Should -Be 'azure-resource-key-77'
        $request.headers.PSObject.Properties.Name | Should -Not -Contain 'authorization'
        $thread.Id | Should -Match '^conv_'
    }

    It 'sends an Entra access token as a bearer token' {
        $s = Connect-OaiService -AzureEndpoint "$Root/openai/v1" -AccessToken 'eyJ-not-a-real-token' -PassThru
        $s.Authentication | Should -Be 'AccessToken'
        $s.ApiKeySource | Should -Be 'TokenProvider'
        $null = New-OaiThread
        (Get-LastRequest).headers.authorization | Should -Be 'Bearer eyJ-not-a-real-token'
    }

    It 'asks a token scriptblock again only when its token is about to expire' {
        $script:calls = 0
        Connect-OaiService -AzureEndpoint $Root -AccessToken {
            $script:calls++
            [pscustomobject]@{ Token = "token-$script:calls"; ExpiresOn = [DateTimeOffset]::UtcNow.AddHours(1) }
        }
        $null = New-OaiThread
        $null = New-OaiThread
        $script:calls | Should -Be 1
        (Get-LastRequest).headers.authorization | Should -Be 'Bearer token-1'

        Connect-OaiService -AzureEndpoint $Root -AccessToken {
            $script:calls++
            [pscustomobject]@{ Token = "short-$script:calls"; ExpiresOn = [DateTimeOffset]::UtcNow.AddMinutes(1) }
        }
        $script:calls = 0
        $null = New-OaiThread
        $null = New-OaiThread
        $script:calls | Should -Be 2
        (Get-LastRequest).headers.authorization | Should -Be 'Bearer short-2'
    }

    It 'reports a failing token scriptblock as OaiAuthenticationFailed' {
        Connect-OaiService -AzureEndpoint $Root -AccessToken { throw 'no login' }
        { New-OaiThread -ErrorAction Stop } | Should -Throw -ErrorId 'OaiAuthenticationFailed,PSAssistants.Commands.NewOaiThreadCommand'
    }
}

Describe 'SecretManagement' {
    BeforeAll {
        # A stand-in for Microsoft.PowerShell.SecretManagement: the real module is not on this machine.
        $modules = Join-Path $TestDrive 'modules'
        $dir = New-Item -ItemType Directory -Path (Join-Path $modules 'Microsoft.PowerShell.SecretManagement') -Force
        Set-Content -Path (Join-Path $dir 'Microsoft.PowerShell.SecretManagement.psm1') -Value @'
function Get-Secret {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name, [string] $Vault)
    if ($Name -ne 'OpenAIKey') { throw "Get-Secret : The secret $Name was not found." }
    ConvertTo-SecureString "sk-from-vault-$Vault" -AsPlainText -Force
}
Export-ModuleMember -Function Get-Secret
'@
        $script:SavedPath = $env:PSModulePath
        $env:PSModulePath = $modules + [IO.Path]::PathSeparator + $env:PSModulePath
    }
    AfterAll {
        $env:PSModulePath = $SavedPath
        Remove-Module Microsoft.PowerShell.SecretManagement -ErrorAction Ignore
    }

    It 'reads the key from a vault' {
        $s = Connect-OaiService -ApiKeySecretName 'OpenAIKey' -Vault 'Ops' -BaseUri $Emulator.BaseUri -Protocol Assistants -PassThru
        $s.ApiKeySource | Should -Be 'SecretVault'
        $null = New-OaiThread
        (Get-LastRequest).headers.authorization | Should -Be 'Bearer sk-from-vault-Ops'
    }

    It 'says clearly when the secret is missing' {
        { Connect-OaiService -ApiKeySecretName 'Nope' -BaseUri $Emulator.BaseUri -ErrorAction Stop } |
            Should -Throw -ErrorId 'OaiSecretNotFound,PSAssistants.Commands.ConnectOaiServiceCommand'
    }

    It 'says clearly when SecretManagement is not installed' {
        $env:PSModulePath = $SavedPath
        Remove-Module Microsoft.PowerShell.SecretManagement -ErrorAction Ignore
        try {
            { Connect-OaiService -ApiKeySecretName 'OpenAIKey' -BaseUri $Emulator.BaseUri -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiSecretManagementMissing,PSAssistants.Commands.ConnectOaiServiceCommand'
        }
        finally {
            $env:PSModulePath = (Join-Path $TestDrive 'modules') + [IO.Path]::PathSeparator + $SavedPath
        }
    }
}

Describe 'Proxies' {
    It 'sends requests through -Proxy' {
        # The emulator stands in for the proxy: it serves the absolute-form request it receives.
        Connect-OaiService -ApiKey 'sk-proxied' -BaseUri 'http://api.example.test/v1' -AllowInsecureHttp -Protocol Assistants -Proxy $Root
        Clear-OaiTestRequest -Emulator $Emulator
        $thread = New-OaiThread
        $thread.Id | Should -Match '^thread_'
        $request = Get-LastRequest
        $request.headers.host | Should -Be 'api.example.test'
        $request.path | Should -Be '/v1/threads'
    }

    It 'needs -Proxy for -ProxyCredential' {
        $cred = [pscredential]::new('u', (ConvertTo-SecureString 'p' -AsPlainText -Force))
        { Connect-OaiService -ApiKey 'k' -ProxyCredential $cred -ErrorAction Stop } | Should -Throw '*needs -Proxy*'
    }
}

Describe 'The key stays out of what a session shows' {
    It 'is not in Get-OaiSession, ToString, JSON or Export-Clixml of a session' {
        $key = 'sk-clixml-SECRET-9931'
        $s = Connect-OaiService -ApiKey (ConvertTo-SecureString $key -AsPlainText -Force) -BaseUri $Emulator.BaseUri -PassThru
        $null = New-OaiThread   # the key has been unwrapped for a request by now
        $file = Join-Path $TestDrive 'session.xml'
        $s | Export-Clixml -Path $file
        $shown = @(
            (Get-OaiSession | Format-List * -Force | Out-String)
            $s.ToString()
            ($s | ConvertTo-Json -Depth 5)
            (Get-Content $file -Raw)
        ) -join "`n"
        $shown | Should -Not -Match $key
        $s.HasApiKey | Should -BeTrue
    }
}
