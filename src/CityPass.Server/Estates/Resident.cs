using CityPass.Core.Citizens;

namespace CityPass.Server.Estates;

/// <summary>A citizen the estate's operator lists as living in a unit: admitted at the estate's gates without end, and a host of that unit's visitors.</summary>
public sealed record Resident(Guid VenueId, string Unit, CitizenPseudonym CitizenId, DateTimeOffset AddedAt);

/// <summary>One valid item of a residents push: list the citizen in the unit, or take them off it.</summary>
public sealed record ResidentChange(string Unit, CitizenPseudonym CitizenId, bool Remove);

public enum ResidentChangeStatus
{
    Added,
    /// <summary>Sent again as stored (listed and listed, or removed and absent): a retried push.</summary>
    Unchanged,
    Removed,
}

public sealed record ResidentChangeResult(string Unit, CitizenPseudonym CitizenId, ResidentChangeStatus Status);

/// <summary>What a residents push did, in the order of its changes; the store writes it and its audit entry together.</summary>
public sealed record ResidentPushResult(Guid VenueId, IReadOnlyList<ResidentChangeResult> Results)
{
    public int Count(ResidentChangeStatus status) => Results.Count(r => r.Status == status);

    /// <summary>The citizens whose hot copy at the estate must be pushed again.</summary>
    public IReadOnlyList<CitizenPseudonym> Affected => [.. Results.Where(r => r.Status != ResidentChangeStatus.Unchanged).Select(r => r.CitizenId).Distinct()];
}
