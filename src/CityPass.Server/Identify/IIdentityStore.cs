using CityPass.Core.Citizens;

namespace CityPass.Server.Identify;

/// <summary>
/// Citizens' consents to be identified per venue kind, their history, and the log of disclosures (PostgreSQL, or memory
/// when embedded). Read by the scan only at venues whose policy identifies visitors.
/// </summary>
public interface IIdentityStore
{
    /// <summary>The citizen's consent for venues of <paramref name="venueKind"/>; null when none.</summary>
    Task<Consent?> GetConsentAsync(CitizenPseudonym citizen, string venueKind, CancellationToken cancellationToken);

    /// <summary>The citizen's consents, by venue kind.</summary>
    Task<IReadOnlyList<Consent>> ConsentsOfAsync(CitizenPseudonym citizen, CancellationToken cancellationToken);

    /// <summary>
    /// Sets (or, with null claims, withdraws) the consent and appends the change to the citizen's consent history, in one
    /// step; a change that changes nothing is not appended. Answers whether it changed anything.
    /// </summary>
    Task<bool> ChangeConsentAsync(ConsentChange change, CancellationToken cancellationToken);

    /// <summary>The citizen's consent changes, newest first.</summary>
    Task<IReadOnlyList<ConsentChange>> ConsentHistoryAsync(CitizenPseudonym citizen, int limit, CancellationToken cancellationToken);

    /// <summary>Appends a disclosure; it must be durable when this returns (the answer that shares it waits for it).</summary>
    Task RecordDisclosureAsync(Disclosure disclosure, CancellationToken cancellationToken);

    /// <summary>The citizen's disclosures, newest first.</summary>
    Task<IReadOnlyList<Disclosure>> DisclosuresOfAsync(CitizenPseudonym citizen, int limit, CancellationToken cancellationToken);

    /// <summary>One venue's disclosures in [<paramref name="from"/>, <paramref name="to"/>), newest first.</summary>
    Task<IReadOnlyList<Disclosure>> DisclosuresAtAsync(Guid venueId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes disclosures and consent changes older than <paramref name="before"/> (consents themselves stay); answers how many went.</summary>
    Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
