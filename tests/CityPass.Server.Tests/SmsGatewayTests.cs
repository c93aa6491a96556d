using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Citizens;
using CityPass.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Tests;

/// <summary>
/// The server as production runs it (Production environment, its own SMS sender) with the HTTP SMS
/// gateway pointed at a real local endpoint: codes reach the gateway and nowhere else, and a gateway
/// that fails or hangs gives the citizen a 503 without costing them a code.
/// </summary>
public abstract class SmsGatewayTests(StoreMode mode) : IAsyncLifetime
{
    private const string GatewaySecret = "gateway-secret-7f3a9c1e";

    private SmsGatewayStub _gateway = null!;
    private readonly List<CityPassApp> _apps = [];

    public async Task InitializeAsync() => _gateway = await SmsGatewayStub.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var app in _apps) await ((IAsyncLifetime)app).DisposeAsync();
        await _gateway.DisposeAsync();
    }

    private async Task<CityPassApp> StartAsync(double timeoutSeconds = 5, int retries = 2)
    {
        var app = new CityPassApp(mode, new Dictionary<string, string?>
        {
            ["Sms:Gateway:Url"] = _gateway.Url.ToString(),
            ["Sms:Gateway:AuthHeader"] = "X-Api-Key",
            ["Sms:Gateway:AuthValue"] = GatewaySecret,
            ["Sms:Gateway:TimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sms:Gateway:Retries"] = retries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sms:Gateway:RetryDelayMilliseconds"] = "10",
        })
        { Environment = "Production", UseServerSmsSender = true };
        _apps.Add(app);
        await app.InitializeAsync();
        return app;
    }

    private static async Task<(HttpStatusCode, string?)> AnswerOf(HttpResponseMessage response) =>
        (response.StatusCode, response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()
            : null);

    [Fact]
    public async Task TheCodeGoesToTheGatewayWithItsAuthHeaderAndSignsTheCitizenIn()
    {
        var app = await StartAsync();

        var citizen = await app.SignInCitizenAsync(Phones.ZhangGreen, _gateway.CodeSentTo);

        var sent = Assert.Single(_gateway.Requests);
        Assert.Equal(GatewaySecret, sent.Headers["X-Api-Key"]);
        Assert.StartsWith("application/json", sent.ContentType, StringComparison.Ordinal);
        var body = JsonDocument.Parse(sent.Body).RootElement;
        Assert.Equal(Phones.ZhangGreen, body.GetProperty("to").GetString());
        Assert.Contains("一码通城验证码 " + _gateway.CodeSentTo(Phones.ZhangGreen), body.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await citizen.Http.GetAsync("/v1/me/pass")).StatusCode);
    }

    [Fact]
    public async Task ProductionHasNoOutboxAndNeitherTheCodeNorTheGatewaySecretReachesTheLogs()
    {
        var app = await StartAsync();

        await app.SignInCitizenAsync(Phones.ZhangGreen, _gateway.CodeSentTo);
        var code = _gateway.CodeSentTo(Phones.ZhangGreen);

        Assert.IsType<HttpSmsGateway>(app.Get<ISmsSender>());
        var outbox = await app.CreateClient().GetAsync($"/v1/dev/sms-outbox?phone={Uri.EscapeDataString(Phones.ZhangGreen)}");
        Assert.Equal(HttpStatusCode.NotFound, outbox.StatusCode);
        Assert.NotEmpty(app.Logs.Lines);
        Assert.All(app.Logs.Lines, l => Assert.DoesNotContain(code, l.Line, StringComparison.Ordinal));
        Assert.All(app.Logs.Lines, l => Assert.DoesNotContain(GatewaySecret, l.Line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AGatewayErrorAnswers503AndTheCodeIsTakenBack()
    {
        var app = await StartAsync(retries: 2);
        var http = app.CreateClient();
        _gateway.Status = HttpStatusCode.BadGateway;

        var failed = await http.PostAsJsonAsync("/v1/citizens/otp", new { phone = Phones.LiYellow });

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "sms_unavailable"), await AnswerOf(failed));
        Assert.Equal(3, _gateway.Requests.Count); // the first try and two retries
        // The code nobody received is not waiting to be guessed...
        var unsent = _gateway.CodeSentTo(Phones.LiYellow);
        Assert.Equal((HttpStatusCode.Unauthorized, "otp_missing"), await AnswerOf(await http.PostAsJsonAsync("/v1/citizens/session", new { phone = Phones.LiYellow, code = unsent })));

        // ...and did not use up one of the phone's five codes of the hour.
        _gateway.Status = HttpStatusCode.OK;
        for (var i = 0; i < 6; i++) Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/v1/citizens/otp", new { phone = Phones.LiYellow })).StatusCode);
        Assert.Equal(3 + 5, _gateway.Requests.Count);
        await app.SignInCitizenAsync(Phones.JohnGreen, _gateway.CodeSentTo);
    }

    [Fact]
    public async Task AGatewayThatDoesNotAnswerInTimeAnswers503()
    {
        var app = await StartAsync(timeoutSeconds: 0.3, retries: 1);
        _gateway.Delay = TimeSpan.FromSeconds(30);
        var http = app.CreateClient();
        var started = DateTime.UtcNow;

        var failed = await http.PostAsJsonAsync("/v1/citizens/otp", new { phone = Phones.WangRed });

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "sms_unavailable"), await AnswerOf(failed));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "the gateway's timeout did not apply");
        Assert.Equal(2, _gateway.Requests.Count);
        Assert.Equal((HttpStatusCode.Unauthorized, "otp_missing"), await AnswerOf(await http.PostAsJsonAsync("/v1/citizens/session", new { phone = Phones.WangRed, code = _gateway.CodeSentTo(Phones.WangRed) })));
    }
}

public sealed class EmbeddedSmsGatewayTests() : SmsGatewayTests(StoreMode.Embedded);

public sealed class RedisPostgresSmsGatewayTests() : SmsGatewayTests(StoreMode.RedisAndPostgres)
{
    [Fact]
    public async Task ProductionOnRealStoresWithoutAGatewayRefusesToStart()
    {
        await using var app = new CityPassApp(StoreMode.RedisAndPostgres) { Environment = "Production", UseServerSmsSender = true };

        var boot = await Assert.ThrowsAnyAsync<Exception>(app.InitializeAsync);

        Assert.Contains("No SMS gateway: set Sms:Gateway:Url", ExceptionText.Of(boot), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevelopmentOnRealStoresKeepsTheDevelopmentOutbox()
    {
        await using var app = new CityPassApp(StoreMode.RedisAndPostgres) { Environment = "Development", UseServerSmsSender = true };
        await app.InitializeAsync();
        var http = app.CreateClient();

        (await http.PostAsJsonAsync("/v1/citizens/otp", new { phone = Phones.ZhangGreen })).EnsureSuccessStatusCode();

        Assert.IsType<DevelopmentSmsSender>(app.Get<ISmsSender>());
        Assert.Contains("CityPass sign-in code", await http.GetFromJsonAsync<string>($"/v1/dev/sms-outbox?phone={Uri.EscapeDataString(Phones.ZhangGreen)}"), StringComparison.Ordinal);
    }
}

/// <summary>The adapter on its own, against the same local gateway: the form-encoded body and what is refused at start.</summary>
public sealed class HttpSmsGatewayTests : IAsyncLifetime
{
    private SmsGatewayStub _gateway = null!;

    public async Task InitializeAsync() => _gateway = await SmsGatewayStub.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private static HttpSmsGateway Adapter(SmsGatewayOptions options) =>
        new(new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>(), Options.Create(options), NullLogger<HttpSmsGateway>.Instance);

    [Fact]
    public async Task AFormTemplateIsFilledInUrlEncoded()
    {
        var sms = Adapter(new SmsGatewayOptions
        {
            Url = _gateway.Url.ToString(), AuthValue = "Bearer abc", BodyFormat = SmsBodyFormat.Form, BodyTemplate = "account=cp&to={phone}&msg={message}",
        });

        Assert.True(await sms.SendAsync("+8613800000001", "code 123456 & more", CancellationToken.None));

        var sent = Assert.Single(_gateway.Requests);
        Assert.Equal("account=cp&to=%2B8613800000001&msg=code%20123456%20%26%20more", sent.Body);
        Assert.StartsWith("application/x-www-form-urlencoded", sent.ContentType, StringComparison.Ordinal);
        Assert.Equal("Bearer abc", sent.Headers["Authorization"]);
    }

    [Fact]
    public async Task AClientErrorIsNotRetried()
    {
        _gateway.Status = HttpStatusCode.BadRequest;
        var sms = Adapter(new SmsGatewayOptions { Url = _gateway.Url.ToString(), Retries = 3, RetryDelayMilliseconds = 1 });

        Assert.False(await sms.SendAsync("+8613800000001", "code 123456", CancellationToken.None));
        Assert.Single(_gateway.Requests);
    }

    [Theory]
    [InlineData("http://sms.example.com/send", "https")]
    [InlineData("ftp://127.0.0.1/send", "absolute http(s) URL")]
    public void AGatewayUrlThatWouldLeakIsRefused(string url, string message) =>
        Assert.Contains(new SmsGatewayOptions { Url = url }.Validate(), m => m.Contains(message, StringComparison.Ordinal));

    [Fact]
    public void ATemplateMustCarryThePhoneAndTheMessageAndBeJsonOnceFilled()
    {
        Assert.Contains(new SmsGatewayOptions { Url = "https://sms.example.com", BodyTemplate = """{"to":"{phone}"}""" }.Validate(), m => m.Contains("{message}", StringComparison.Ordinal));
        Assert.Contains(new SmsGatewayOptions { Url = "https://sms.example.com", BodyTemplate = """{"to":{phone},"text":"{message}"}""" }.Validate(), m => m.Contains("not JSON", StringComparison.Ordinal));
        Assert.Empty(new SmsGatewayOptions { Url = "https://sms.example.com", AuthValue = "k" }.Validate());
        Assert.Empty(new SmsGatewayOptions().Validate()); // no gateway is valid: the host decides whether it may run without one
    }

    [Fact]
    public async Task ABadGatewaySettingFailsTheBoot()
    {
        await using var app = new CityPassApp(StoreMode.Embedded, new Dictionary<string, string?> { ["Sms:Gateway:Url"] = "http://sms.example.com/send" });

        var boot = await Assert.ThrowsAnyAsync<Exception>(app.InitializeAsync);

        Assert.Contains("must use https", boot.ToString(), StringComparison.Ordinal);
    }
}
