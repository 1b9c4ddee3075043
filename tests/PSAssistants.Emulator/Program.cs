// PSAssistants loopback emulator: an in-memory stand-in for the OpenAI Assistants v2 / Responses /
// Conversations APIs, written from /work/shared/openapi only. See README.md.
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using PSAssistants.Emulator;

int port = 0;
int? parentPid = null;
bool exitOnStdinClose = false;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--port": port = int.Parse(Next()); break;
        case "--run-duration-ms": State.DefaultRunDurationMs = int.Parse(Next()); break;
        case "--parent-pid": parentPid = int.Parse(Next()); break;
        case "--exit-on-stdin-close": exitOnStdinClose = true; break;
        default:
            Console.Error.WriteLine($"unknown argument: {args[i]}");
            return 2;
    }
}

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    // Files may be up to 512 MB (createFile).
    k.Limits.MaxRequestBodySize = 512L * 1024 * 1024;
    k.Listen(IPAddress.Loopback, port);
});

var app = builder.Build();
app.Run(Pipeline.Handle);
await app.StartAsync();

var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.Out.WriteLine($"PSASSISTANTS_EMULATOR_URL={address.Replace("localhost", "127.0.0.1")}");
Console.Out.Flush();

var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
if (parentPid is { } pid)
{
    _ = Task.Run(async () =>
    {
        while (!lifetime.ApplicationStopping.IsCancellationRequested)
        {
            bool alive;
            try
            {
                using var p = Process.GetProcessById(pid);
                alive = !p.HasExited;
            }
            catch (ArgumentException) { alive = false; }
            catch (InvalidOperationException) { alive = false; }
            if (!alive) { lifetime.StopApplication(); return; }
            await Task.Delay(500);
        }
    });
}
if (exitOnStdinClose)
{
    var t = new Thread(() =>
    {
        try
        {
            using var stdin = Console.OpenStandardInput();
            var buf = new byte[256];
            while (stdin.Read(buf, 0, buf.Length) > 0) { }
        }
        catch (IOException) { }
        lifetime.StopApplication();
    }) { IsBackground = true };
    t.Start();
}

await app.WaitForShutdownAsync();
return 0;
