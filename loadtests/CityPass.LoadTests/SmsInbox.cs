using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CityPass.LoadTests;

/// <summary>
/// The runner's SMS gateway: a small HTTP endpoint on 127.0.0.1 (a free port) that the server, run as
/// production runs it, is configured to send its one-time codes to (Sms:Gateway). The load test thus
/// goes through the server's real gateway adapter, and reads each citizen's code from what arrived
/// here. It checks the auth header the server must send, as a real gateway would.
/// </summary>
public sealed partial class SmsInbox : IAsyncDisposable
{
    private const string AuthHeader = "X-Gateway-Key";

    private readonly WebApplication _app;
    private readonly string _key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private readonly ConcurrentDictionary<string, string> _codes = new(StringComparer.Ordinal);
    private int _received;

    private SmsInbox(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public int Received => _received;

    /// <summary>The server's settings (environment variables) that send its text messages here.</summary>
    public IReadOnlyDictionary<string, string> ServerSettings => new Dictionary<string, string>
    {
        ["Sms__Gateway__Url"] = Url.ToString(),
        ["Sms__Gateway__AuthHeader"] = AuthHeader,
        ["Sms__Gateway__AuthValue"] = _key,
        ["Sms__Gateway__BodyFormat"] = "Json",
        ["Sms__Gateway__BodyTemplate"] = """{"to":"{phone}","text":"{message}"}""",
    };

    public static async Task<SmsInbox> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var inbox = new SmsInbox(app);
        app.MapPost("/sms", (Func<HttpContext, Task<IResult>>)inbox.ReceiveAsync);
        await app.StartAsync();
        inbox.Url = new Uri(new Uri(app.Urls.First()), "/sms");
        return inbox;
    }

    private async Task<IResult> ReceiveAsync(HttpContext http)
    {
        var key = Encoding.UTF8.GetBytes(http.Request.Headers[AuthHeader].ToString());
        if (!CryptographicOperations.FixedTimeEquals(key, Encoding.UTF8.GetBytes(_key))) return Results.StatusCode(StatusCodes.Status401Unauthorized);
        string? phone, text;
        try
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            phone = body.RootElement.GetProperty("to").GetString();
            text = body.RootElement.GetProperty("text").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Results.BadRequest();
        }
        var code = SixDigits().Match(text ?? "");
        if (phone is null || !code.Success) return Results.BadRequest();
        _codes[phone] = code.Value;
        Interlocked.Increment(ref _received);
        return Results.Ok();
    }

    /// <summary>The last code sent to the phone. The server answers 202 only after the gateway took the message, so it is here by then.</summary>
    public string CodeFor(string phone) =>
        _codes.TryGetValue(phone, out var code) ? code : throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"No sign-in code reached the SMS inbox for {phone} ({_received} messages so far)."));

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [GeneratedRegex(@"\b\d{6}\b")]
    private static partial Regex SixDigits();
}
