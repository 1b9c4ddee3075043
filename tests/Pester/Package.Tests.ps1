#Requires -Version 7.4
<#
    The package as users get it: the .nupkg that `./build.ps1 -Task Package` writes (Publish-PSResource) is
    installed with Install-PSResource from a folder repository into an empty module path, in child pwsh
    processes with their own HOME and PSModulePath, and the installed copy then runs the Math Tutor scenario on
    both protocols and the Azure Automation runbook example, loaded by autoload (no Import-Module anywhere).
    build.ps1 -Task Test builds the package first; by hand: ./build.ps1 -Task Package, then this file.
#>

BeforeDiscovery {
    $protocols = @(@{ Protocol = 'Assistants' }, @{ Protocol = 'Responses' })
    # DOTNET_ReadyToRun=0 makes the runtime ignore all precompiled code, as a runtime of another version, OS or
    # architecture ignores the module's: the IL must then run the same.
    $runs = foreach ($p in $protocols) {
        @{ Protocol = $p.Protocol; Code = 'precompiled code'; ReadyToRun = $null }
        @{ Protocol = $p.Protocol; Code = 'IL only (DOTNET_ReadyToRun=0)'; ReadyToRun = '0' }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $repoRoot = Get-OaiTestRepoRoot
    $packagePath = Get-OaiTestPackagePath
    if (-not (Test-Path -LiteralPath $packagePath)) {
        throw "The package is not at '$packagePath': run ./build.ps1 -Task Package (-Task Test does) first."
    }
    $props = [xml](Get-Content -Raw (Join-Path $repoRoot 'Directory.Build.props'))
    $version = $props.SelectSingleNode('/Project/PropertyGroup/Version').InnerText.Trim()
    $script:Emulator = Start-OaiTestEmulator -Local -RunDurationMs 200

    # A user with nothing installed: their own HOME (so the CurrentUser module path, PSResourceGet's repository
    # list and the assistant store are all under it) and a PSModulePath of PowerShell's own modules only.
    $sandbox = Join-Path $TestDrive 'user'
    $userHome = Join-Path $sandbox 'home'
    $repository = Join-Path $sandbox 'repository'
    # The XDG folders must exist: .NET answers "" for a special folder that does not, and PSResourceGet would
    # then keep its repository list in the current directory.
    $null = New-Item -ItemType Directory -Force -Path $repository, $userHome,
        (Join-Path $userHome '.local/share'), (Join-Path $userHome '.config'), (Join-Path $userHome '.cache')
    Copy-Item -LiteralPath $packagePath -Destination $repository
    $userEnv = @{
        HOME                          = $userHome
        USERPROFILE                   = $userHome
        XDG_DATA_HOME                 = Join-Path $userHome '.local/share'
        XDG_CONFIG_HOME               = Join-Path $userHome '.config'
        XDG_CACHE_HOME                = Join-Path $userHome '.cache'
        PSModulePath                  = Join-Path $PSHOME 'Modules'
        PSASSISTANTS_MODULE_PATH      = $null
        PSASSISTANTS_ASSISTANT_STORE  = $null
        OPENAI_API_KEY                = $null
        OPENAI_BASE_URL               = $null
        OPENAI_PROTOCOL               = $null
    }
    function Invoke-AsUser([string] $Command, [hashtable] $Extra = @{}) {
        $childEnv = $userEnv.Clone()
        foreach ($name in $Extra.Keys) { $childEnv[$name] = $Extra[$name] }
        # Started in the user's HOME, so nothing the child writes by a relative path lands in the repository.
        $result = Invoke-OaiTestPwsh -Command "Set-Location -LiteralPath `$HOME`n$Command" -Environment $childEnv
        if ($result.ExitCode -ne 0) { throw "The child pwsh failed (exit code $($result.ExitCode)):`n$($result.Output -join "`n")" }
        $result.Output[-1] | ConvertFrom-Json
    }

    $install = @"
`$ErrorActionPreference = 'Stop'
`$before = @(Get-Module -ListAvailable -Name PSAssistants).Count
Register-PSResourceRepository -Name LocalFolder -Uri '$($repository -replace "'", "''")' -Trusted
Install-PSResource -Name PSAssistants -Repository LocalFolder -Scope CurrentUser -TrustRepository -Quiet
`$installed = Get-InstalledPSResource -Name PSAssistants
[pscustomobject]@{
    Before   = `$before
    Version  = `$installed.Version.ToString()
    Location = `$installed.InstalledLocation
    Found    = @(Get-Module -ListAvailable -Name PSAssistants | ForEach-Object ModuleBase)
} | ConvertTo-Json -Compress
"@
    $script:Installed = Invoke-AsUser $install
    $script:InstalledBase = @($Installed.Found)[0]
}

AfterAll {
    $Emulator | Stop-OaiTestEmulator
}

Describe 'The .nupkg' {
    BeforeAll {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($packagePath)
        try { $entries = @($zip.Entries | ForEach-Object FullName) } finally { $zip.Dispose() }
        $content = @($entries | Where-Object { $_ -notmatch '^(_rels/|package/|\[Content_Types\]\.xml$|PSAssistants\.nuspec$)' })
    }

    It 'is named for the version of Directory.Build.props' {
        [IO.Path]::GetFileName($packagePath) | Should -Be "PSAssistants.$version.nupkg"
    }

    It 'holds the module and nothing else: no .pdb, no test or build files' {
        $content | Sort-Object | Should -Be (@(
                'LICENSE', 'PSAssistants.dll', 'PSAssistants.format.ps1xml', 'PSAssistants.psd1',
                'System.Net.ServerSentEvents.dll', 'en-US/PSAssistants.dll-Help.xml', 'en-US/about_PSAssistants.help.txt'
            ) | Sort-Object)
    }
}

Describe 'Install-PSResource PSAssistants into an empty module path' {
    It 'finds no PSAssistants before, and installs the package''s version under the user''s own HOME' {
        $Installed.Before | Should -Be 0
        $Installed.Version | Should -Be $version
        @($Installed.Found).Count | Should -Be 1
        $InstalledBase | Should -BeLike "$userHome*"
        Test-Path (Join-Path $InstalledBase 'PSAssistants.dll') | Should -BeTrue
        @(Get-ChildItem -LiteralPath $InstalledBase -Recurse -Filter '*.pdb').Count | Should -Be 0
    }
}

Describe 'PSAssistants.dll as installed' {
    BeforeAll {
        # ReadyToRun code for one runtime beside the IL that every other runtime uses (tools/ReadyToRun).
        $stream = [IO.File]::OpenRead((Join-Path $InstalledBase 'PSAssistants.dll'))
        $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        try {
            $cor = $pe.PEHeaders.CorHeader
            $native = $cor.ManagedNativeHeaderDirectory.Size
            $flags = $cor.Flags
            $metadata = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            # Every method with a body still has its IL, so a runtime that cannot use the native code JIT-compiles it.
            $methods = @($metadata.MethodDefinitions | ForEach-Object { $metadata.GetMethodDefinition($_) } | Where-Object RelativeVirtualAddress -NE 0)
            $ilBytes = ($methods | ForEach-Object { [System.Reflection.Metadata.PEReaderExtensions]::GetMethodBody($pe, $_.RelativeVirtualAddress).Size } | Measure-Object -Sum).Sum
            $machine = $pe.PEHeaders.CoffHeader.Machine
        }
        finally { $pe.Dispose(); $stream.Dispose() }
    }

    It 'carries precompiled (ReadyToRun) code' {
        $native | Should -BeGreaterThan 0 -Because 'crossgen2 writes a ReadyToRun header'
        ($flags -band [System.Reflection.PortableExecutable.CorFlags]::ILLibrary) | Should -Be ([System.Reflection.PortableExecutable.CorFlags]::ILLibrary)
    }

    It 'still carries the IL of every method' {
        $methods.Count | Should -BeGreaterThan 1000
        $ilBytes | Should -BeGreaterThan 100000
    }
}

Describe 'Math Tutor from the installed package on <Protocol>, by autoload, <Code>' -ForEach $runs {
    BeforeAll {
        $scenario = @'
$ErrorActionPreference = 'Stop'
$loadedBefore = [bool](Get-Module PSAssistants)
$assistant = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4' -Tool code_interpreter `
    -Instructions 'You are a personal math tutor. Write and run code to answer math questions.'
$thread = New-OaiThread
$null = $thread | Add-OaiMessage -Content 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
$run = $thread | Start-OaiRun -Assistant $assistant -Wait `
    -AdditionalInstructions 'Please address the user as Jane Doe. The user has a premium account.'
$messages = @($thread | Get-OaiMessage)
[pscustomobject]@{
    ReadyToRun   = "$env:DOTNET_ReadyToRun"
    LoadedBefore = $loadedBefore
    ModuleBase   = (Get-Module PSAssistants).ModuleBase
    Protocol     = "$((Get-OaiSession).Protocol)"
    ThreadId     = $thread.Id
    Status       = "$($run.Status)"
    Roles        = @($messages | ForEach-Object { "$($_.Role)" })
    Reply        = $messages[-1].Text
} | ConvertTo-Json -Compress
'@
        $result = Invoke-AsUser $scenario @{
            OPENAI_BASE_URL = $Emulator.BaseUri
            OPENAI_API_KEY  = 'sk-package-test'
            OPENAI_PROTOCOL = $Protocol
            DOTNET_ReadyToRun = $ReadyToRun
        }
    }

    It 'loads the installed copy on first use, without Import-Module' {
        $result.ReadyToRun | Should -Be "$ReadyToRun"
        $result.LoadedBefore | Should -BeFalse
        $result.ModuleBase | Should -Be $InstalledBase
    }

    It 'answers the question on <Protocol>' {
        $result.Protocol | Should -Be $Protocol
        $result.ThreadId | Should -Match $(if ($Protocol -eq 'Responses') { '^conv_' } else { '^thread_' })
        $result.Status | Should -Be 'completed'
        $result.Roles | Should -Be @('user', 'assistant')
        $result.Reply | Should -Match 'Jane Doe'
        $result.Reply | Should -Match 'x = 1'
    }
}

Describe 'examples/AzureAutomationRunbook.ps1 from the installed package on <Protocol>' -ForEach $protocols {
    BeforeAll {
        # A stand-in for the managed identity: counts its calls and returns what Get-AzAccessToken returns.
        $runbook = Join-Path $repoRoot 'examples/AzureAutomationRunbook.ps1'
        $command = @"
`$ErrorActionPreference = 'Stop'
`$global:tokenCalls = 0
`$reply = & '$($runbook -replace "'", "''")' -AccessToken {
    `$global:tokenCalls++
    [pscustomobject]@{ Token = (ConvertTo-SecureString 'fake-managed-identity-token' -AsPlainText -Force); ExpiresOn = [DateTimeOffset]::UtcNow.AddHours(1) }
}
[pscustomobject]@{
    Reply      = @(`$reply)
    TokenCalls = `$global:tokenCalls
    ModuleBase = (Get-Module PSAssistants).ModuleBase
} | ConvertTo-Json -Compress
"@
        Clear-OaiTestRequest -Emulator $Emulator
        $result = Invoke-AsUser $command @{
            OPENAI_BASE_URL = ([uri]$Emulator.BaseUri).GetLeftPart('Authority')
            OPENAI_PROTOCOL = $Protocol
        }
        $requests = @(Get-OaiTestRequest -Emulator $Emulator)
    }

    It 'writes the assistant''s reply as the job output' {
        $result.ModuleBase | Should -Be $InstalledBase
        @($result.Reply).Count | Should -Be 1
        @($result.Reply)[0] | Should -Match 'Jane Doe'
    }

    It 'authenticates every request with the managed identity''s token, fetched once, on Azure''s v1 path' {
        $result.TokenCalls | Should -Be 1
        $requests.Count | Should -BeGreaterThan 3
        foreach ($request in $requests) {
            $request.path | Should -BeLike '/openai/v1/*'
            $request.headers.authorization | Should -Be 'Bearer fake-managed-identity-token'
        }
    }

    It 'cleans up after itself on <Protocol>' {
        $deletes = @($requests | Where-Object method -EQ 'DELETE')
        if ($Protocol -eq 'Assistants') {
            @($deletes.path | Where-Object { $_ -like '/openai/v1/assistants/*' }).Count | Should -Be 1
            @($deletes.path | Where-Object { $_ -like '/openai/v1/threads/*' }).Count | Should -Be 1
        }
        else {
            @($deletes.path | Where-Object { $_ -like '/openai/v1/conversations/*' }).Count | Should -Be 1
        }
    }
}
