namespace PSAssistants;

/// <summary>The wire protocol a session speaks. The cmdlets are the same on both.</summary>
public enum OaiProtocol
{
    /// <summary>Assistants v2: /assistants, /threads, runs. Served by self-hosted and compatible servers.</summary>
    Assistants,

    /// <summary>Responses + Conversations: what OpenAI and Azure OpenAI (v1) serve since the Assistants sunset.</summary>
    Responses,
}
