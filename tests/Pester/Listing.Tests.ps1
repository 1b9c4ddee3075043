#Requires -Version 7.4
# The six list cmdlets share one listing rule (Commands/ListRequest.cs, OaiApiCmdlet.WriteList, IdOrListCmdlet):
# each is run here through the emulator with the same questions, once per protocol. The emulator's page cap
# (max_page_size 1) makes every item a page of its own, so a list of a handful of objects crosses page boundaries
# the way a long one does. Then Get-OaiVectorStore over more stores than one real page (100).

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants' }
        @{ Protocol = 'Responses' }
    )
    # Sets: where -First/-After/-All/-Order bind. NameParameter: the wildcard filter, if the cmdlet has one.
    # ServerPaged: the list comes from the API page by page (Responses keeps assistants in a local file and builds
    # run steps from the response, so there the cmdlet pages nothing).
    $cases = @(
        @{ Command = 'Get-OaiAssistant'; DefaultOrder = 'desc'; Sets = @('List'); NameParameter = 'Name'; ServerPagedOn = @('Assistants'); Only = $null }
        @{ Command = 'Get-OaiFile'; DefaultOrder = 'desc'; Sets = @('List'); NameParameter = 'FileName'; ServerPagedOn = @('Assistants', 'Responses'); Only = $null }
        @{ Command = 'Get-OaiVectorStore'; DefaultOrder = 'desc'; Sets = @('List'); NameParameter = 'Name'; ServerPagedOn = @('Assistants', 'Responses'); Only = $null }
        @{ Command = 'Get-OaiMessage'; DefaultOrder = 'asc'; Sets = @('List'); NameParameter = $null; ServerPagedOn = @('Assistants', 'Responses'); Only = $null }
        # Responses cannot list a conversation's responses (OaiNotSupported, pinned in Cmdlets.Tests).
        @{ Command = 'Get-OaiRun'; DefaultOrder = 'desc'; Sets = @('__AllParameterSets'); NameParameter = $null; ServerPagedOn = @('Assistants'); Only = 'Assistants' }
        @{ Command = 'Get-OaiRunStep'; DefaultOrder = 'asc'; Sets = @('__AllParameterSets'); NameParameter = $null; ServerPagedOn = @('Assistants'); Only = $null }
    )
}

Describe 'The list cmdlets on <Protocol>' -ForEach $protocols -Tag 'Wire' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        Import-OaiTestModule
        $script:Emulator = Start-OaiTestEmulator
        function global:Get-PsaListAnswer { param([int] $N) "answer $N" }
        function script:Get-Reversed([object[]] $Items) { $copy = @($Items); [array]::Reverse($copy); , $copy }

        # The requests that fetched list pages since the last Clear-OaiTestRequest, oldest first.
        function script:Get-ListRequest {
            @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'GET' -and $_.query -match '(^|&)limit=' })
        }
    }

    AfterAll {
        Remove-Item Function:Get-PsaListAnswer -ErrorAction Ignore
        $Emulator | Stop-OaiTestEmulator
    }

    Context '<Command>' -ForEach @($cases | Where-Object { -not $_.Only -or $_.Only -eq $Protocol }) {
        BeforeAll {
            # A clean server and assistant store for each cmdlet, so its list holds only what is made here.
            Reset-OaiTestEmulator -Emulator $Emulator
            Connect-OaiService -ApiKey 'sk-test-listing' -BaseUri $Emulator.BaseUri -Protocol $Protocol `
                -AssistantStorePath (Join-Path $TestDrive "assistants-$Protocol-$Command.json")
            $work = New-Item -ItemType Directory -Force -Path (Join-Path $TestDrive "files-$Protocol")
            # Names alternate keep/skip so that a name filter matches every other object.
            $names = 'keep 1', 'skip 2', 'keep 3', 'skip 4'
            $script:Target = @{}
            # The ids in the order they were made (oldest first), where the test knows them before listing.
            $script:Created = $null
            switch ($Command) {
                'Get-OaiAssistant' {
                    $script:Created = @($names | ForEach-Object { (New-OaiAssistant -Name $_ -Model 'gpt-4').Id })
                }
                'Get-OaiFile' {
                    $script:Created = @($names | ForEach-Object {
                            $path = Join-Path $work "$($_ -replace ' ', '-').txt"
                            Set-Content -LiteralPath $path -Value "contents of $_"
                            (Add-OaiFile -Path $path).Id
                        })
                }
                'Get-OaiVectorStore' {
                    $script:Created = @($names | ForEach-Object { (New-OaiVectorStore -Name $_).Id })
                }
                'Get-OaiMessage' {
                    $thread = New-OaiThread
                    $script:Created = @($names | ForEach-Object { ($thread | Add-OaiMessage $_).Id })
                    $script:Target = @{ Thread = $thread }
                }
                'Get-OaiRun' {
                    $assistant = New-OaiAssistant -Name 'Runner' -Model 'gpt-4'
                    $thread = New-OaiThread
                    $script:Created = @(1..4 | ForEach-Object {
                            $null = $thread | Add-OaiMessage "run $_ [delay:0]"
                            ($thread | Start-OaiRun $assistant -Wait).Id
                        })
                    $script:Target = @{ Thread = $thread }
                }
                'Get-OaiRunStep' {
                    # Two calls answered by the module, then the reply: a run of several steps (their ids are
                    # only known by listing them, so the asc list stands for the order they were made).
                    $assistant = New-OaiAssistant -Name 'Stepper' -Model 'gpt-4' -Function 'Get-PsaListAnswer'
                    $thread = New-OaiThread -Message 'call Get-PsaListAnswer({"N":1}) call Get-PsaListAnswer({"N":2}) [delay:0]'
                    $run = $thread | Start-OaiRun $assistant -Wait
                    $run.Status | Should -Be 'completed'
                    $script:Target = @{ Run = $run }
                }
            }
            $script:ServerPaged = $Protocol -in $ServerPagedOn
            Set-OaiTestEmulatorConfig -Emulator $Emulator -MaxPageSize 1

            function script:Invoke-List([hashtable] $Paging = @{}) {
                $arguments = $Target.Clone()
                foreach ($key in $Paging.Keys) { $arguments[$key] = $Paging[$key] }
                @(& $Command @arguments -ErrorAction Stop)
            }
            # The ids a listing writes, in order (an empty list is an empty array, so a failure says what came).
            function script:Get-ListId([hashtable] $Paging = @{}) { , @(Invoke-List $Paging | ForEach-Object Id) }
            $script:Asc = Invoke-List @{ Order = 'asc' }
            $script:All = Invoke-List
        }

        AfterAll {
            Set-OaiTestEmulatorConfig -Emulator $Emulator -MaxPageSize 0
            Disconnect-OaiService
        }

        It 'lists in the order the objects were made with -Order asc, the other way with desc, and by default <DefaultOrder>' {
            $Asc.Count | Should -BeGreaterOrEqual 2
            if ($Created) { $Asc.Id | Should -Be $Created }
            $desc = Invoke-List @{ Order = 'desc' }
            $desc.Id | Should -Be (Get-Reversed $Asc.Id)
            $All.Id | Should -Be $(if ($DefaultOrder -eq 'asc') { $Asc.Id } else { $desc.Id })
            # -Order takes any case; the API only knows lower case.
            (Get-ListId @{ Order = 'DESC' }) | Should -Be $desc.Id
        }

        It '-First 2 returns two, across a page boundary' {
            Clear-OaiTestRequest -Emulator $Emulator
            $two = Invoke-List @{ First = 2 }
            $two.Id | Should -Be $All.Id[0..1]
            if ($ServerPaged) {
                # Pages of one item: the second item came from a second page, asked after the first one's id,
                # and nothing more was fetched once two were written.
                $pages = Get-ListRequest
                $pages.Count | Should -Be 2
                $pages[0].query | Should -Not -Match '(^|&)after='
                $pages[1].query | Should -Match "(^|&)after=$([regex]::Escape($two[0].Id))(&|$)"
            }
        }

        It 'walks every page without -First, each object once' {
            Clear-OaiTestRequest -Emulator $Emulator
            $again = Invoke-List
            $again.Id | Should -Be $All.Id
            @($again.Id | Select-Object -Unique).Count | Should -Be $again.Count
            if ($ServerPaged) { (Get-ListRequest).Count | Should -BeGreaterOrEqual $again.Count }
        }

        It '-After starts after that id, in either order' {
            (Get-ListId @{ After = $All[0].Id }) | Should -Be $All.Id[1..($All.Count - 1)]
            (Get-ListId @{ After = $Asc[0].Id; Order = 'asc'; First = 1 }) | Should -Be $Asc[1].Id
        }

        It '-All changes nothing (a compatibility switch)' {
            (Get-ListId @{ All = $true }) | Should -Be $All.Id
        }

        It 'binds -First, -After, -All and -Order in <Sets>' {
            $parameters = (Get-Command $Command).Parameters
            foreach ($name in 'First', 'After', 'All', 'Order') {
                @($parameters[$name].ParameterSets.Keys) | Should -Be $Sets -Because "-$name of $Command"
            }
        }

        # Discovery sees each case's data: the cmdlets without a name filter get no such test.
        if ($NameParameter) {
            It 'with a name filter, -First counts matches' {
                # The filter is the object's property of the same name as the parameter (Name, FileName).
                $keep = @($All | Where-Object { $_.$NameParameter -like 'keep*' })
                $keep.Count | Should -Be 2
                (Get-ListId @{ $NameParameter = 'keep*' }) | Should -Be $keep.Id
                (Get-ListId @{ $NameParameter = 'KEEP*'; First = 1 }) | Should -Be $keep[0].Id
                (Get-ListId @{ $NameParameter = 'keep*'; First = 2; Order = 'asc' }) |
                    Should -Be @($Asc | Where-Object { $_.$NameParameter -like 'keep*' }).Id
            }
        }

        # Get-OaiRunStep only lists.
        if ($Command -ne 'Get-OaiRunStep') {
            It 'gets by id instead of listing' {
                $one = $All[1]
                switch ($Command) {
                    'Get-OaiMessage' { $got = @(Get-OaiMessage -Thread $Target.Thread -Id $one.Id) }
                    'Get-OaiRun' {
                        $got = @(Get-OaiRun -Thread $Target.Thread -Id $one.Id)
                        # Its paging parameters bind in every set, but an id still gets that one run.
                        @(Get-OaiRun -Thread $Target.Thread -Id $one.Id -First 3).Id | Should -Be $one.Id
                        @($one | Get-OaiRun).Id | Should -Be $one.Id
                    }
                    default {
                        $got = @(& $Command -Id $one.Id)
                        # Ids from the pipeline are each got on their own; a missing one does not stop the others.
                        $piped = @($All[2].Id, 'missing_1', $All[0].Id | & $Command -ErrorAction SilentlyContinue -ErrorVariable failed)
                        $piped.Id | Should -Be @($All[2].Id, $All[0].Id)
                        @($failed).Count | Should -Be 1
                        { & $Command -Id $one.Id -First 1 -ErrorAction Stop } | Should -Throw -ErrorId "AmbiguousParameterSet,PSAssistants.Commands.$($Command -replace '-', '')Command"
                    }
                }
                $got.Id | Should -Be $one.Id
            }
        }
    }
}

Describe 'Get-OaiVectorStore across several pages on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-listing'
        $script:Emulator = $Setup.Emulator
        function script:Get-Reversed([object[]] $Items) { $copy = @($Items); [array]::Reverse($copy); , $copy }
        function script:Get-StorePage {
            @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'GET' -and $_.path -match '/vector_stores$' })
        }
        # More than two pages of 100 (the most the module asks for): 100, 100, then 1.
        $script:Made = @(1..201 | ForEach-Object { (New-OaiVectorStore -Name "store $_").Id })
    }

    AfterAll {
        Exit-OaiTestProtocol $Setup
    }

    It 'lists every store once, newest first, each page asked after the last id of the one before' {
        Clear-OaiTestRequest -Emulator $Emulator
        $listed = @(Get-OaiVectorStore)
        $listed.Count | Should -Be 201
        @($listed.Id | Select-Object -Unique).Count | Should -Be 201
        $listed.Id | Should -Be (Get-Reversed $Made)

        $pages = Get-StorePage
        $pages.Count | Should -Be 3
        $pages[0].query | Should -Not -Match '(^|&)after='
        $pages[1].query | Should -Match "(^|&)after=$([regex]::Escape($listed[99].Id))(&|$)"
        $pages[2].query | Should -Match "(^|&)after=$([regex]::Escape($listed[199].Id))(&|$)"
        foreach ($page in $pages) { $page.query | Should -Match '(^|&)limit=100(&|$)' }
    }

    It '-First 150 stops in the second page' {
        Clear-OaiTestRequest -Emulator $Emulator
        $listed = @(Get-OaiVectorStore -First 150)
        $listed.Id | Should -Be (Get-Reversed $Made)[0..149]
        (Get-StorePage).Count | Should -Be 2
    }
}
