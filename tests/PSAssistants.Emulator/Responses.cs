namespace PSAssistants.Emulator;

static partial class State
{
    public static void ResetAll()
    {
        ResetAssistants();
    }
}

static partial class ResponsesApi
{
    public static Result? Route(Req r) => null;
}
