using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CityPass.Core.Venues;

namespace CityPass.Gate;

/// <summary>The server's answer to a scan, or why there was none.</summary>
internal sealed record OnlineAnswer(bool Allowed, string Code, string Colour, string DisplayName)
{
    /// <summary>The server was not reached, or answered 5xx/429, in time: the scan may be tried again or decided offline.</summary>
    public static OnlineAnswer? Unavailable => null;
}

/// <summary>The server refused the gate's credential: the gate must stop deciding, online and offline.</summary>
public sealed class GateNotAuthorisedException(string message) : Exception(message);

/// <summary>
/// The server's HTTP API as a gate calls it, authenticated by the gate's credential. Scans have a budget; the bundle and
/// the journal upload have <see cref="GateOptions.BackgroundTimeout"/>. The credential goes in the Authorization header
/// only, never in a URL or a log.
/// </summary>
public sealed class GateServer : IDisposable
{
    private readonly HttpClient _http;

    public GateServer(Uri server, string credential, TimeSpan connectTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            // A gate talks to one server: a warm connection or two is all it needs.
            MaxConnectionsPerServer = 4,
        };
        _http = new HttpClient(handler) { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Gate", credential);
    }

    public Uri Server => _http.BaseAddress!;

    /// <summary>
    /// One try at <c>POST /v1/scans</c>: the server's decision, its refusal of the pass (422: a deny with the token's code),
    /// or <see cref="OnlineAnswer.Unavailable"/> when it did not answer in time or answered that it could not (5xx, 429).
    /// </summary>
    internal async Task<OnlineAnswer?> ScanAsync(string text, Guid scanId, ScanDirection direction, DateTimeOffset scannedAt, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.PostAsJsonAsync("/v1/scans",
                new ScanWireRequest(text, scanId, direction == ScanDirection.Out ? "out" : "in", scannedAt), GateJson.Options, cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    var answer = await response.Content.ReadFromJsonAsync<ScanWireResponse>(GateJson.Options, cancellationToken);
                    return new OnlineAnswer(answer?.Decision == "allow", answer?.Code ?? "", answer?.Colour ?? "", answer?.DisplayName ?? "");
                case HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest:
                    var problem = await ReadProblemAsync(response, cancellationToken);
                    return new OnlineAnswer(false, problem?.Code ?? "invalid_request", "", "");
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    throw new GateNotAuthorisedException($"The server refused this gate's credential ({(int)response.StatusCode}).");
                default:
                    return OnlineAnswer.Unavailable;
            }
        }
        // The token is the scan's budget: its cancellation is the server being too slow, like any failure to reach it.
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException or IOException)
        {
            return OnlineAnswer.Unavailable;
        }
    }

    /// <summary>The gate's bundle and the server's Date at the moment it answered (null if a proxy stripped it).</summary>
    public async Task<(string Bundle, DateTimeOffset? ServerDate)> GetBundleAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("/v1/gates/me/bundle", UriKind.Relative), cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return (await response.Content.ReadAsStringAsync(cancellationToken), response.Headers.Date);
    }

    internal async Task<FederationKeyWire> GetFederationKeyAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("/.well-known/citypass/federation-key.json", UriKind.Relative), cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<FederationKeyWire>(GateJson.Options, cancellationToken)
            ?? throw new GateServerException("The server's federation key answer is empty.");
    }

    internal async Task<IReadOnlyList<JournalWireResult>> UploadAsync(IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken)
    {
        var request = new JournalWireRequest([.. entries.Select(e => new JournalWireEntry(
            e.ScanId, e.Text, e.Direction == ScanDirection.Out ? "out" : "in", e.ScannedAt, new OfflineWireDecision(e.Allowed ? "allow" : "deny", e.Code, e.Flagged)))]);
        using var response = await _http.PostAsJsonAsync("/v1/gates/me/journal", request, GateJson.Options, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JournalWireResponse>(GateJson.Options, cancellationToken);
        if (body?.Results is not { } results || results.Count != entries.Count) throw new GateServerException("The server's journal answer does not match the upload.");
        return results;
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri("/v1/ping", UriKind.Relative), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose() => _http.Dispose();

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new GateNotAuthorisedException($"The server refused this gate's credential ({(int)response.StatusCode}).");
        }
        var problem = await ReadProblemAsync(response, cancellationToken);
        throw new GateServerException($"{(int)response.StatusCode} {problem?.Code ?? response.ReasonPhrase}: {problem?.Title}");
    }

    private static async Task<ProblemWire?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<ProblemWire>(GateJson.Options, cancellationToken);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException)
        {
            return null;
        }
    }
}

/// <summary>The server answered, but not as a gate can use (an error other than a refused credential).</summary>
public sealed class GateServerException(string message) : Exception(message);
