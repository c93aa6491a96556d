using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Server.Audit;
using CityPass.Server.Citizens;
using CityPass.Server.Scans;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>Test data with the shapes the stores meet in production.</summary>
public static class Samples
{
    /// <summary>Whole milliseconds: every store keeps these exactly.</summary>
    public static DateTimeOffset Now { get; } = new(2026, 11, 21, 8, 30, 0, TimeSpan.Zero);

    public static CitizenDraft Draft(string externalId, string? phone = null, string? name = null, Credentials credentials = Credentials.HealthRecord) =>
        new(externalId, phone ?? PhoneFor(externalId), name ?? "张三" + externalId, credentials);

    /// <summary>The audit entry a store change under test is written with; what it says is the services' business, tested with them.</summary>
    public static AuditOf<T> Audited<T>(string action = "test.change") => _ => new AuditDraft(Now, "authority", action, "test", null, null, action, null);

    /// <summary>An audit entry that cannot be written: the change it goes with must not be made either.</summary>
    public static AuditOf<T> FailingAudit<T>() => _ => throw new AuditWriteFailedException();

    /// <summary>Callers normalise phones; the stores compare them as given, so any unique text will do.</summary>
    public static string PhoneFor(string externalId) => "+86 " + externalId;

    /// <summary>A change on top of <paramref name="expectedVersion"/>: 1, a citizen's first status, unless given.</summary>
    public static StatusChange Change(CitizenPseudonym id, StatusColour colour, DateTimeOffset? at = null, string actor = "authority:li", uint expectedVersion = 1) =>
        new(id, colour, "close contact", "CASE-2026-0042", actor, "HealthAuthority", at ?? Now.AddMinutes(5), expectedVersion);

    public static ScanRecord Scan(
        DateTimeOffset decidedAt, Guid? venueId = null, Guid? gateId = null, CitizenPseudonym? citizenId = null, bool allowed = true, Guid? scanId = null) => new(
        scanId ?? Guid.NewGuid(),
        gateId ?? Guid.NewGuid(),
        venueId ?? Guid.NewGuid(),
        ScanDirection.In,
        allowed,
        allowed ? DecisionCode.Allowed : DecisionCode.StatusNotAllowed,
        allowed ? StatusColour.Green : StatusColour.Red,
        "张*三",
        citizenId,
        new IssuerId(310000),
        TokenId.NewRandom(),
        decidedAt.AddMilliseconds(-40),
        decidedAt);
}

/// <summary>Thrown by <see cref="Samples.FailingAudit{T}"/>, so a test tells it from any other failure.</summary>
public sealed class AuditWriteFailedException() : Exception("The audit entry could not be written.");
