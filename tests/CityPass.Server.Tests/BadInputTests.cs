using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityPass.Server.Auth;
using CityPass.Server.Tests.Support;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CityPass.Server.Tests;

/// <summary>
/// Every bad input gets a ProblemDetails with a stable code, and never a 500. The tests share one app: none changes what
/// another uses (each that burns a phone's codes or a gate's credential has its own).
/// </summary>
public abstract class BadInputTests(SharedApp shared)
{
    private CityPassApp App => shared.App;

    private static async Task<string> CodeOf(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
    }

    /// <summary>A 400 validation_failed problem's errors, by field.</summary>
    private static async Task<JsonElement> FieldErrorsOf(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (response.StatusCode, body.GetProperty("code").GetString()));
        return body.GetProperty("errors");
    }

    private HttpClient GateHttp()
    {
        var http = App.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Gate", App.Demo.Gates[0].Credential);
        return http;
    }

    [Fact]
    public async Task MalformedJsonIsRefusedWithMalformedJson()
    {
        var response = await GateHttp().PostAsync("/v1/scans", new StringContent("{\"text\": \"CP1:", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("malformed_json", await CodeOf(response));
        var wrongType = await GateHttp().PostAsync("/v1/scans", new StringContent("{\"text\": 5, \"scanId\": \"nope\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Equal("malformed_json", await CodeOf(wrongType));
    }

    [Fact]
    public async Task AnOversizedBodyIsRefusedWithBodyTooLarge()
    {
        var huge = JsonSerializer.Serialize(new { text = new string('A', 200_000), scanId = Guid.NewGuid() });
        var response = await GateHttp().PostAsync("/v1/scans", new StringContent(huge, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("body_too_large", await CodeOf(response));
    }

    [Theory]
    [InlineData("", "validation_failed", HttpStatusCode.BadRequest)]
    [InlineData("hello", "malformed", HttpStatusCode.UnprocessableEntity)]
    [InlineData("CP9:ABC", "unsupported_version", HttpStatusCode.UnprocessableEntity)]
    public async Task TextThatIsNoPassGetsItsCode(string text, string code, HttpStatusCode status)
    {
        var response = await GateHttp().PostAsJsonAsync("/v1/scans", new { text, scanId = Guid.NewGuid() });
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, await CodeOf(response));
    }

    [Fact]
    public async Task AnOverlongTextIsTooLargeWithoutBeingRead()
    {
        var response = await GateHttp().PostAsJsonAsync("/v1/scans", new { text = "CP1:" + new string('0', 600), scanId = Guid.NewGuid() });
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "too_large"), (response.StatusCode, await CodeOf(response)));
    }

    [Fact]
    public async Task AScanWithoutScanIdOrWithABadDirectionNamesTheFields()
    {
        var text = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        var response = await GateHttp().PostAsJsonAsync("/v1/scans", new { text, direction = "sideways" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        Assert.True(body.GetProperty("errors").TryGetProperty("scanId", out _));
        Assert.True(body.GetProperty("errors").TryGetProperty("direction", out _));
    }

    [Theory]
    [InlineData(null, "gate_credential_invalid")]
    [InlineData("cpg_nonsense", "gate_credential_invalid")]
    [InlineData("cpg_00000000000000000000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "gate_credential_invalid")]
    public async Task UnknownGateCredentialsAreRefused(string? credential, string code)
    {
        var http = App.CreateClient();
        if (credential is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Gate", credential);
        var response = await http.PostAsJsonAsync("/v1/scans", new { text = "CP1:x", scanId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(code, await CodeOf(response));
    }

    [Fact]
    public async Task MissingExpiredAndForeignSignInTokensGetTheirCodes()
    {
        var http = App.CreateClient();
        Assert.Equal("token_missing", await CodeOf(await http.GetAsync("/v1/venues")));

        var key = App.Get<SignInTokens>().SigningKey.Key;
        var expired = Jwt("HS256", StaffClaims(DateTimeOffset.UtcNow.AddHours(-10), DateTimeOffset.UtcNow.AddHours(-2)), key);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", expired);
        Assert.Equal("token_expired", await CodeOf(await http.GetAsync("/v1/venues")));

        var foreign = Jwt("HS256", StaffClaims(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1)), new byte[32]);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", foreign);
        Assert.Equal("token_invalid", await CodeOf(await http.GetAsync("/v1/venues")));

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not.a.jwt");
        Assert.Equal("token_invalid", await CodeOf(await http.GetAsync("/v1/venues")));
    }

    [Fact]
    public async Task ATokenWithAnEditedClaimIsRefusedWithTokenInvalid()
    {
        var library = await App.StaffAsync("library");
        var token = library.DefaultRequestHeaders.Authorization!.Parameter!;
        Assert.Equal(HttpStatusCode.OK, (await library.GetAsync("/v1/venues")).StatusCode);

        // The venue operator makes itself a city admin, keeping the header and the signature.
        var parts = token.Split('.');
        var claims = Payload(token);
        Assert.Equal(Roles.VenueOperator, claims[ClaimTypes.Role]!.GetValue<string>());
        claims[ClaimTypes.Role] = Roles.CityAdmin;
        var edited = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()))}.{parts[2]}";

        var http = App.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", edited);
        var response = await http.GetAsync("/v1/operators");
        Assert.Equal((HttpStatusCode.Unauthorized, "token_invalid"), (response.StatusCode, await CodeOf(response)));
    }

    [Theory]
    [InlineData("HS512")] // our key, another algorithm: a token must not choose how it is checked
    [InlineData("none")]
    public async Task ATokenNamingAnotherAlgorithmIsRefusedEvenWithOurKey(string alg)
    {
        var admin = await App.StaffAsync("admin");
        var claims = Payload(admin.DefaultRequestHeaders.Authorization!.Parameter!);
        var key = App.Get<SignInTokens>().SigningKey.Key;
        var http = App.CreateClient();

        // The same claims put together by hand and signed as the server signs them are accepted, so what
        // refuses the other token below is its algorithm alone.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Jwt("HS256", claims, key));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/venues")).StatusCode);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Jwt(alg, claims, key));
        var response = await http.GetAsync("/v1/venues");
        Assert.Equal((HttpStatusCode.Unauthorized, "token_invalid"), (response.StatusCode, await CodeOf(response)));
    }

    [Fact]
    public async Task WrongPasswordsAndCodesAreRefused()
    {
        var http = App.CreateClient();
        var signIn = await http.PostAsJsonAsync("/v1/auth/token", new { username = "admin", password = "wrong-password" });
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_credentials"), (signIn.StatusCode, await CodeOf(signIn)));
        var unknown = await http.PostAsJsonAsync("/v1/auth/token", new { username = "nobody", password = "wrong-password" });
        Assert.Equal("invalid_credentials", await CodeOf(unknown));

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/v1/citizens/otp", new { phone = Phones.JohnGreen })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/v1/citizens/otp", new { phone = "+8613999999999" })).StatusCode);
        var codes = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            codes.Add(await CodeOf(await http.PostAsJsonAsync("/v1/citizens/session", new { phone = Phones.JohnGreen, code = "000000" })));
        }
        // Five wrong tries burn the code (unless 000000 happened to be it, one chance in a million).
        Assert.Equal(["otp_invalid", "otp_invalid", "otp_invalid", "otp_invalid", "otp_too_many_attempts"], codes);
        Assert.Equal("otp_missing", await CodeOf(await http.PostAsJsonAsync("/v1/citizens/session", new { phone = Phones.JohnGreen, code = "000000" })));
        Assert.Equal("validation_failed", await CodeOf(await http.PostAsJsonAsync("/v1/citizens/otp", new { phone = "call me" })));
    }

    [Fact]
    public async Task APhoneGetsAtMostFiveCodesAnHourAndTheAnswerDoesNotTell()
    {
        var http = App.CreateClient();
        var sms = App.Sms;
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/v1/citizens/otp", new { phone = Phones.LiYellow })).StatusCode);
        var fifth = sms.LastMessageTo(Phones.LiYellow);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/v1/citizens/otp", new { phone = Phones.LiYellow })).StatusCode);
        Assert.Same(fifth, sms.LastMessageTo(Phones.LiYellow));

        // The fifth code still signs in: the sixth request neither sent nor replaced anything.
        var code = System.Text.RegularExpressions.Regex.Match(fifth!, @"\d{6}").Value;
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/v1/citizens/session", new { phone = Phones.LiYellow, code })).StatusCode);
    }

    [Fact]
    public async Task AScannedAtFarFromTheServersClockIsNamed()
    {
        var text = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        var response = await GateHttp().PostAsJsonAsync("/v1/scans", new { text, scanId = Guid.NewGuid(), scannedAt = App.Clock.GetUtcNow().AddDays(-30) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        Assert.True(body.GetProperty("errors").TryGetProperty("scannedAt", out _));
    }

    [Fact]
    public async Task APagingCursorThisApiDidNotGiveOutIsRefused()
    {
        var library = await App.StaffAsync("library");
        var venueId = await App.VenueIdAsync("上海图书馆");
        var response = await library.GetAsync($"/v1/venues/{venueId}/scans?before=not-a-cursor");
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (response.StatusCode, await CodeOf(response)));
        var citizen = await App.SignInCitizenAsync(Phones.ZhangGreen);
        Assert.Equal("validation_failed", await CodeOf(await citizen.Http.GetAsync("/v1/me/scans?before=garbage")));
    }

    [Theory]
    [InlineData("not-a-cursor")]
    [InlineData("0123456789abcdef0123456789abcdeg")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    public async Task AStatusDraftResultsCursorThisApiDidNotGiveOutIsRefused(string after)
    {
        var authority = await App.StaffAsync("authority");
        var draft = await authority.PostAsJsonAsync("/v1/status-drafts",
            new { citizenIds = new[] { await App.CitizenIdAsync(Phones.ZhangGreen) }, colour = "yellow", reason = "Same carriage", caseRef = await App.OpenCaseAsync() });
        var id = (await draft.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var response = await authority.GetAsync($"/v1/status-drafts/{id}/results?after={Uri.EscapeDataString(after)}");
        Assert.True((await FieldErrorsOf(response)).TryGetProperty("after", out _));
    }

    [Theory]
    [InlineData("state=done")]
    [InlineData("state=PENDING%00")]
    [InlineData("before=yesterday")]
    [InlineData("before=2026-13-01T00:00:00Z")]
    public async Task AStatusDraftListWithAnUnknownStateOrCursorIsRefused(string query)
    {
        var response = await (await App.StaffAsync("authority")).GetAsync($"/v1/status-drafts?{query}");
        Assert.True((await FieldErrorsOf(response)).TryGetProperty(query.Split('=')[0], out _));
    }

    [Fact]
    public async Task TheConsolesDraftListRefusesAMalformedCursorInsteadOfDroppingIt()
    {
        var console = await App.ConsoleAsync("authority");
        Assert.Equal(HttpStatusCode.OK, (await console.Http.GetAsync("/admin/drafts")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await console.Http.GetAsync("/admin/drafts?before=yesterday")).StatusCode);
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/results")]
    [InlineData("POST", "/approve")]
    [InlineData("POST", "/reject")]
    public async Task AStatusDraftIdThatIsNoUuidIsNotFound(string method, string tail)
    {
        var authority = await App.StaffAsync("authority");
        foreach (var id in new[] { "not-a-uuid", "123", "0123456789abcdef0123456789abcdef0" })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), $"/v1/status-drafts/{id}{tail}")
            {
                Content = method == "POST" ? JsonContent.Create(new { reason = "Not needed" }) : null,
            };
            var response = await authority.SendAsync(request);
            Assert.Equal((HttpStatusCode.NotFound, "not_found"), (response.StatusCode, await CodeOf(response)));
        }
    }

    [Fact]
    public async Task RevokingAGateWithoutAnActiveCredentialIsAConflict()
    {
        var admin = await App.StaffAsync("admin");
        var gateId = App.Demo.Gates[^1].GateId; // not the gate the other tests scan at
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/v1/gates/{gateId}/credentials")).StatusCode);
        var again = await admin.DeleteAsync($"/v1/gates/{gateId}/credentials");
        Assert.Equal((HttpStatusCode.Conflict, "conflict"), (again.StatusCode, await CodeOf(again)));
    }

    [Fact]
    public async Task StaffAccountsRefuseBadDraftsTakenNamesAndSelfDeletion()
    {
        var admin = await App.StaffAsync("admin");
        var invalid = await admin.PostAsJsonAsync("/v1/operators", new { username = "x", password = "short", role = "Emperor" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("username", out _) && errors.TryGetProperty("password", out _) && errors.TryGetProperty("role", out _));

        var taken = await admin.PostAsJsonAsync("/v1/operators", new { username = "LIBRARY", password = "long-enough-password", role = "VenueOperator" });
        Assert.Equal((HttpStatusCode.Conflict, "conflict"), (taken.StatusCode, await CodeOf(taken)));

        var me = await admin.GetFromJsonAsync<JsonElement>("/v1/auth/me");
        var self = await admin.DeleteAsync($"/v1/operators/{me.GetProperty("id").GetGuid()}");
        Assert.Equal((HttpStatusCode.Conflict, "conflict"), (self.StatusCode, await CodeOf(self)));
    }

    [Fact]
    public async Task ABulkStatusChangeNeedsCitizens()
    {
        var authority = await App.StaffAsync("authority");
        var response = await authority.PostAsJsonAsync("/v1/status-drafts", new { citizenIds = Array.Empty<string>(), colour = "red", reason = "x", caseRef = "C" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("citizenIds", out _));
    }

    [Fact]
    public async Task AStatusChangeNeedsACaseReference()
    {
        var authority = await App.StaffAsync("authority");
        var id = await App.CitizenIdAsync(Phones.ZhangGreen);
        var response = await authority.PutAsJsonAsync($"/v1/citizens/{id}/status", new { colour = "purple", reason = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("caseRef", out _));
        Assert.True(errors.TryGetProperty("colour", out _));
        Assert.Equal("not_found", await CodeOf(await authority.PutAsJsonAsync("/v1/citizens/ffffffffffffffffffffffffffffffff/status", new { colour = "red", reason = "x", caseRef = await App.OpenCaseAsync() })));
    }

    [Fact]
    public async Task ABadPolicyNamesItsProblems()
    {
        var admin = await App.StaffAsync("admin");
        var venueId = await App.VenueIdAsync("上海图书馆");
        var response = await admin.PutAsJsonAsync($"/v1/venues/{venueId}/policy",
            new { allowedColours = new[] { "blue" }, requiredCredentials = new[] { "passport" }, capacity = -5, openingHours = new { timeZone = "Mars/Base", periods = new[] { new { day = "funday", opens = "9", closes = "17:00" } } } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("allowedColours", out _));
        Assert.True(errors.TryGetProperty("requiredCredentials", out _));
        Assert.True(errors.TryGetProperty("openingHours.periods", out _));
    }

    [Fact]
    public async Task UnknownRoutesAndMethodsAnswerProblems()
    {
        var http = App.CreateClient();
        var missing = await http.GetAsync("/v1/nothing-here");
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (missing.StatusCode, await CodeOf(missing)));
        var wrongType = await (await App.StaffAsync("authority")).PostAsync("/v1/citizens/import", new StringContent("x", Encoding.UTF8, "application/pdf"));
        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"), (wrongType.StatusCode, await CodeOf(wrongType)));
    }

    [Fact]
    public async Task OnlyHs256PassesValidationEvenWithAKeyLongEnoughForHs512()
    {
        // Our 256-bit key is too short for HS512, which IdentityModel refuses by itself; with a 512-bit key
        // only the algorithm allow-list stands between a token and the algorithm it names.
        var admin = await App.StaffAsync("admin");
        var claims = Payload(admin.DefaultRequestHeaders.Authorization!.Parameter!);
        var parameters = App.Get<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters.Clone();
        var longKey = RandomNumberGenerator.GetBytes(64);
        parameters.IssuerSigningKey = new SymmetricSecurityKey(longKey);
        var handler = new JsonWebTokenHandler { MapInboundClaims = false };

        var hs512 = Jwt("HS512", claims, longKey);
        Assert.True((await handler.ValidateTokenAsync(Jwt("HS256", claims, longKey), parameters)).IsValid);
        Assert.False((await handler.ValidateTokenAsync(hs512, parameters)).IsValid);

        // And it is the allow-list that refuses it: without one, the same token passes.
        parameters.ValidAlgorithms = null;
        Assert.True((await handler.ValidateTokenAsync(hs512, parameters)).IsValid);
    }

    private static JsonObject StaffClaims(DateTimeOffset notBefore, DateTimeOffset expires) => new()
    {
        ["iss"] = SignInTokens.Issuer,
        ["aud"] = SignInTokens.StaffAudience,
        ["sub"] = Guid.NewGuid().ToString(),
        [ClaimTypes.Role] = Roles.CityAdmin,
        ["nbf"] = notBefore.ToUnixTimeSeconds(),
        ["exp"] = expires.ToUnixTimeSeconds(),
    };

    private static JsonObject Payload(string token) => JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]))!.AsObject();

    /// <summary>A JWT put together by hand, so a test can name any algorithm and sign with any key, or not at all.</summary>
    private static string Jwt(string alg, JsonObject claims, byte[] key)
    {
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT" };
        var signingInput = $"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString()))}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()))}";
        var data = Encoding.ASCII.GetBytes(signingInput);
        var signature = alg switch
        {
            "HS256" => HMACSHA256.HashData(key, data),
            "HS512" => HMACSHA512.HashData(key, data),
            "none" => [],
            _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "not an algorithm these tests sign with"),
        };
        return $"{signingInput}.{Base64Url.EncodeToString(signature)}";
    }
}

public sealed class EmbeddedBadInputTests(SharedEmbeddedApp app) : BadInputTests(app), IClassFixture<SharedEmbeddedApp>;

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresBadInputTests(SharedRedisPostgresApp app) : BadInputTests(app), IClassFixture<SharedRedisPostgresApp>;
