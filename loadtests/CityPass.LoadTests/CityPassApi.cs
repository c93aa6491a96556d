using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CityPass.LoadTests;

/// <summary>The few API calls the runner makes outside wrk: sign-ins, seeding, looking up tokens, status changes.</summary>
public sealed class CityPassApi(Uri baseAddress) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
    {
        BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5),
    };

    public sealed record StaffToken(string AccessToken);

    public sealed record VenueView(Guid Id);

    public sealed record GateView(Guid Id);

    public sealed record IssuedGateCredential(Guid GateId, string Credential);

    public sealed record ImportReport(long Rows, int Created, int Updated, int Unchanged, int Rejected);

    public sealed record CitizenSession(string AccessToken);

    public sealed record StatusAnswer(string Colour, uint Version);

    public sealed record StatusChangeAnswer(string CitizenId, StatusAnswer Previous, StatusAnswer Current, long AuditSequence);

    /// <summary>A status draft: its progress (done of citizens), the count of each result, and when its run finished.</summary>
    public sealed record DraftAnswer(Guid Id, string State, int Citizens, int Done, DateTimeOffset? FinishedAt, IReadOnlyDictionary<string, int>? Results);

    /// <summary>An answer the runner counts rather than fails on: the status code, the body when it was a success, the problem's code when not.</summary>
    public sealed record Answer<T>(int Status, T? Body, long Bytes, string? Code = null);

    public sealed record CaseAnswer(string Id);

    /// <summary>
    /// POST /v1/cases as the health authority: a health case, which a yellow or red status must name. Its id. An
    /// investigation, since the runs change many citizens under it (a case about one person covers a household).
    /// </summary>
    public async Task<string> OpenCaseAsync(string token, string legalBasis) =>
        (await SendAsync<CaseAnswer>(HttpMethod.Post, "v1/cases", token, new { type = "close_contact_investigation", legalBasis })).Id;

    public async Task<string> StaffTokenAsync(string username, string password) =>
        (await SendAsync<StaffToken>(HttpMethod.Post, "v1/auth/token", null, new { username, password })).AccessToken;

    public Task<ImportReport> ImportCsvAsync(string token, string csv) =>
        SendAsync<ImportReport>(HttpMethod.Post, "v1/citizens/import", token, new StringContent(csv, new MediaTypeHeaderValue("text/csv")));

    public async Task<Guid> CreateVenueAsync(string token, string name, string kind, string address) =>
        (await SendAsync<VenueView>(HttpMethod.Post, "v1/venues", token, new { name, kind, address })).Id;

    public Task SetPolicyAsync(string token, Guid venue, object policy) =>
        SendAsync<JsonElement>(HttpMethod.Put, $"v1/venues/{venue}/policy", token, policy);

    public async Task<Guid> CreateGateAsync(string token, Guid venue, string name) =>
        (await SendAsync<GateView>(HttpMethod.Post, $"v1/venues/{venue}/gates", token, new { name })).Id;

    public async Task<string> IssueCredentialAsync(string token, Guid gate) =>
        (await SendAsync<IssuedGateCredential>(HttpMethod.Post, $"v1/gates/{gate}/credentials", token, null)).Credential;

    /// <summary>A citizen's sign-in the way the H5 page does it: ask for a code, read it from the text message the server sent (to the runner's inbox), exchange it.</summary>
    public async Task<string> CitizenSignInAsync(string phone, SmsInbox inbox)
    {
        using (var otp = await _http.PostAsJsonAsync(new Uri("v1/citizens/otp", UriKind.Relative), new { phone }, Json)) otp.EnsureSuccessStatusCode();
        var code = inbox.CodeFor(phone);
        return (await SendAsync<CitizenSession>(HttpMethod.Post, "v1/citizens/session", null, new { phone, code })).AccessToken;
    }

    /// <summary>Signs each phone's citizen in (<see cref="CitizenSignInAsync"/>), a few at a time; the tokens in the phones' order.</summary>
    public async Task<string[]> CitizenSignInsAsync(IReadOnlyList<string> phones, SmsInbox inbox)
    {
        ArgumentNullException.ThrowIfNull(phones);
        var tokens = new string[phones.Count];
        await Parallel.ForAsync(0, tokens.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (i, _) => tokens[i] = await CitizenSignInAsync(phones[i], inbox));
        return tokens;
    }

    /// <summary>PUT /v1/citizens/{id}/status as the health authority.</summary>
    public Task<Answer<StatusChangeAnswer>> ChangeStatusAsync(string token, string citizenId, string colour, string reason, string caseRef) =>
        TrySendAsync<StatusChangeAnswer>(HttpMethod.Put, $"v1/citizens/{citizenId}/status", token, new { colour, reason, caseRef });

    /// <summary>POST /v1/status-drafts as the health authority: one reason and case for all of them, waiting for a second approver.</summary>
    public Task<Answer<DraftAnswer>> DraftStatusAsync(string token, IReadOnlyList<string> citizenIds, string colour, string reason, string caseRef) =>
        TrySendAsync<DraftAnswer>(HttpMethod.Post, "v1/status-drafts", token, new { citizenIds, colour, reason, caseRef });

    /// <summary>POST /v1/status-drafts/{id}/approve as another health authority account: the draft starts running.</summary>
    public Task<Answer<DraftAnswer>> ApproveDraftAsync(string token, Guid draftId) =>
        TrySendAsync<DraftAnswer>(HttpMethod.Post, $"v1/status-drafts/{draftId}/approve", token, new { });

    public Task<DraftAnswer> DraftAsync(string token, Guid draftId) => SendAsync<DraftAnswer>(HttpMethod.Get, $"v1/status-drafts/{draftId}", token, null);

    private async Task<Answer<T>> TrySendAsync<T>(HttpMethod method, string path, string token, object body)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body, options: Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return response.IsSuccessStatusCode
            ? new Answer<T>((int)response.StatusCode, JsonSerializer.Deserialize<T>(bytes, Json), bytes.Length)
            : new Answer<T>((int)response.StatusCode, default, bytes.Length, ProblemCode(bytes));
    }

    /// <summary>GET /v1/me/pass as a signed-in citizen: the status, and the problem's code when it failed (the pass itself is not needed).</summary>
    public async Task<Answer<JsonElement>> MyPassAsync(string citizenToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("v1/me/pass", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", citizenToken);
        using var response = await _http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return new Answer<JsonElement>((int)response.StatusCode, default, bytes.Length, response.IsSuccessStatusCode ? null : ProblemCode(bytes));
    }

    /// <summary>A ProblemDetails' stable code; "-" when the body is not one (a balancer's own error page).</summary>
    private static string ProblemCode(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("code", out var c) && c.GetString() is { } code ? code : "-";
        }
        catch (JsonException)
        {
            return "-";
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, string? token, object? body)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Content = body switch
        {
            null => null,
            HttpContent c => c,
            _ => JsonContent.Create(body, options: Json),
        };
        using var response = await _http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} /{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return await response.Content.ReadFromJsonAsync<T>(Json) ?? throw new InvalidOperationException($"{method} /{path} answered no body.");
    }

    public void Dispose() => _http.Dispose();
}
