using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>Citizen sign-in answers tell nothing about which phones are registered, and guesses are bounded per phone.</summary>
public abstract class SignInTests(StoreMode mode) : AppTest(mode)
{
    private const string UnknownPhone = "+8613999999999";

    private static async Task<(HttpStatusCode Status, string Code, string Title)> TryCodeAsync(HttpClient http, string phone, string code)
    {
        var response = await http.PostAsJsonAsync("/v1/citizens/session", new { phone, code });
        if (response.StatusCode == HttpStatusCode.OK) return (response.StatusCode, "signed_in", "");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, body.GetProperty("code").GetString()!, body.GetProperty("title").GetString()!);
    }

    private async Task<List<(HttpStatusCode, string, string)>> WrongCodeSequenceAsync(string phone)
    {
        var http = App.CreateClient();
        var answers = new List<(HttpStatusCode, string, string)> { await TryCodeAsync(http, phone, "000000") };
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/v1/citizens/otp", new { phone })).StatusCode);
        // Five wrong tries burn the code, then there is none (000000 being the code is one chance in a million).
        for (var i = 0; i < 6; i++) answers.Add(await TryCodeAsync(http, phone, "000000"));
        return answers;
    }

    [Fact]
    public async Task WrongCodesAreAnsweredAlikeForARegisteredAndAnUnknownPhone()
    {
        var registered = await WrongCodeSequenceAsync(Phones.ZhangGreen);
        var unknown = await WrongCodeSequenceAsync(UnknownPhone);

        Assert.Equal(registered, unknown);
        Assert.Equal(["otp_missing", "otp_invalid", "otp_invalid", "otp_invalid", "otp_invalid", "otp_too_many_attempts", "otp_missing"], unknown.Select(a => a.Item2));
        Assert.All(unknown, a => Assert.Equal(HttpStatusCode.Unauthorized, a.Item1));
        Assert.Equal(1, App.Sms.Sent); // the unknown phone's code was never sent
    }

    [Fact]
    public async Task WrongGuessesAreCappedPerPhoneAcrossItsCodesUntilTheHourPasses()
    {
        var http = App.CreateClient();
        var answers = new List<string>();
        foreach (var wrongTries in new[] { 4, 4, 2 })
        {
            // Each new code brings no new guesses: the phone has ten wrong guesses an hour in all.
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/v1/citizens/otp", new { phone = Phones.ZhangGreen })).StatusCode);
            for (var i = 0; i < wrongTries; i++) answers.Add((await TryCodeAsync(http, Phones.ZhangGreen, "000000")).Code);
        }
        Assert.All(answers, a => Assert.Equal("otp_invalid", a));

        // Even the right code is refused now, and an unknown phone's answers are the same.
        var right = App.Sms.CodeSentTo(Phones.ZhangGreen);
        var locked = await TryCodeAsync(http, Phones.ZhangGreen, right);
        Assert.Equal((HttpStatusCode.Unauthorized, "otp_locked"), (locked.Status, locked.Code));
        for (var i = 0; i < 10; i++)
        {
            if (i % 4 == 0) await http.PostAsJsonAsync("/v1/citizens/otp", new { phone = UnknownPhone });
            await TryCodeAsync(http, UnknownPhone, "000000");
        }
        Assert.Equal("otp_locked", (await TryCodeAsync(http, UnknownPhone, "000000")).Code);
        // Other phones are not held back.
        await App.SignInCitizenAsync(Phones.LiYellow);

        if (App.Mode == StoreMode.Embedded)
        {
            // Redis counts the hour by its own clock; the hot-state contract tests cover the window there.
            App.Clock.Advance(TimeSpan.FromMinutes(61));
            await App.SignInCitizenAsync(Phones.ZhangGreen);
        }
    }
}

public sealed class EmbeddedSignInTests() : SignInTests(StoreMode.Embedded);

public sealed class RedisPostgresSignInTests() : SignInTests(StoreMode.RedisAndPostgres);
