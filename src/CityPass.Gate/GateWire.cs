using System.Text.Json;

namespace CityPass.Gate;

// The server's HTTP contract as the gate uses it (docs/api.md); camelCase JSON.

internal sealed record ScanWireRequest(string Text, Guid ScanId, string Direction, DateTimeOffset ScannedAt);

internal sealed record ScanWireResponse(string? Decision, string? Code, string? Colour, string? DisplayName, int Occupancy, Guid ScanId, bool Duplicate);

/// <summary>A problem+json body: the stable code is all the gate branches on.</summary>
internal sealed record ProblemWire(string? Code, string? Title);

internal sealed record JournalWireRequest(IReadOnlyList<JournalWireEntry> Entries);

internal sealed record JournalWireEntry(Guid ScanId, string Text, string Direction, DateTimeOffset ScannedAt, OfflineWireDecision Offline);

internal sealed record OfflineWireDecision(string Decision, string Code, bool Flagged);

internal sealed record JournalWireResponse(IReadOnlyList<JournalWireResult>? Results);

internal sealed record JournalWireResult(Guid ScanId, string? Status, string? Decision, string? Code, bool Disagrees);

internal sealed record FederationKeyWire(string? Issuer, string? Suite, string? PublicKey, string? Fingerprint);

internal static class GateJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
