using System.Net;
using System.Net.Http.Json;
using CityPass.LoadTests;
using CityPass.Server.Citizens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>The runner's SMS inbox and the server's gateway adapter agree: what the server sends, the runner reads.</summary>
public sealed class SmsInboxTests
{
    private static SmsGatewayOptions ServerOptions(SmsInbox inbox) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(inbox.ServerSettings.Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value)))
            .Build().GetSection(SmsGatewayOptions.Section).Get<SmsGatewayOptions>()!;

    [Fact]
    public async Task TheServersGatewayAdapterDeliversACodeTheRunnerReadsBack()
    {
        await using var inbox = await SmsInbox.StartAsync();
        var options = ServerOptions(inbox);
        var clients = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        var gateway = new HttpSmsGateway(clients, Options.Create(options), NullLogger<HttpSmsGateway>.Instance);

        Assert.Empty(options.Validate());
        Assert.True(await gateway.SendAsync("+8613800000042", "CityPass sign-in code 042042 (valid 5 minutes). 一码通城验证码 042042", CancellationToken.None));

        Assert.Equal("042042", inbox.CodeFor("+8613800000042"));
        Assert.Equal(1, inbox.Received);
    }

    [Fact]
    public async Task AMessageWithoutTheGatewayKeyIsRefusedAndNotRead()
    {
        await using var inbox = await SmsInbox.StartAsync();
        using var http = new HttpClient();

        var response = await http.PostAsJsonAsync(inbox.Url, new { to = "+8613800000042", text = "code 123456" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Throws<InvalidOperationException>(() => inbox.CodeFor("+8613800000042"));
    }
}
