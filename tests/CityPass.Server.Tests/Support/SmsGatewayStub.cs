using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CityPass.Server.Tests.Support;

/// <summary>
/// A real HTTP SMS gateway stand-in on 127.0.0.1 (Kestrel, a free port): records every request it
/// gets and answers as told (accept, fail with a status, or hang), so the server's gateway adapter is
/// exercised over a real socket.
/// </summary>
public sealed partial class SmsGatewayStub : IAsyncDisposable
{
    public sealed record Received(string Body, string? ContentType, IReadOnlyDictionary<string, string> Headers);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();

    private SmsGatewayStub(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<Received> Requests => [.. _received];

    /// <summary>The status every request gets (200 unless told otherwise).</summary>
    public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

    /// <summary>How long each request waits before it is answered.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    public static async Task<SmsGatewayStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var stub = new SmsGatewayStub(app);
        app.MapPost("/send", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            stub._received.Enqueue(new Received(body, http.Request.ContentType, http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            try
            {
                if (stub.Delay > TimeSpan.Zero) await Task.Delay(stub.Delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return Results.Empty;
            }
            return Results.StatusCode((int)stub.Status);
        });
        await app.StartAsync();
        var address = app.Urls.First();
        stub.Url = new Uri(new Uri(address), "/send");
        return stub;
    }

    /// <summary>The six-digit code in the last JSON message (default template: {"to":…,"text":…}) to the phone.</summary>
    public string CodeSentTo(string phone)
    {
        var last = Requests.Select(r => JsonDocument.Parse(r.Body).RootElement)
            .LastOrDefault(b => b.GetProperty("to").GetString() == phone);
        if (last.ValueKind == JsonValueKind.Undefined) throw new InvalidOperationException("the gateway got no message to " + phone);
        return SixDigits().Match(last.GetProperty("text").GetString()!).Value;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [GeneratedRegex(@"\b\d{6}\b")]
    private static partial Regex SixDigits();
}
