using CityPass.Core.Citizens;

namespace CityPass.Server.Citizens;

/// <summary>A citizen as the system of record holds them. <see cref="Id"/> is the random pseudonym passes carry (encrypted).</summary>
[GenerateSerializer, Immutable]
public sealed record Citizen(
    [property: Id(0)] CitizenPseudonym Id,
    [property: Id(1)] string? ExternalId,
    [property: Id(2)] string Phone,
    [property: Id(3)] string FullName,
    [property: Id(4)] CitizenStatus Status,
    [property: Id(5)] Credentials Credentials,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] int? BirthYear = null)
{
    /// <summary>What the hot store keeps: no phone, no full name.</summary>
    public CitizenHotState ToHot() => new(Id, Status.Colour, Status.Version, Credentials, NameMasking.Mask(FullName));
}

/// <summary>
/// A citizen to create or update, e.g. one row of a bulk import. <see cref="ExternalId"/> makes imports idempotent.
/// <see cref="BirthYear"/>: only the year (an age band is all a venue is ever told, see Identify); null when unknown,
/// and then no age band is shared.
/// </summary>
public sealed record CitizenDraft(string? ExternalId, string Phone, string FullName, Credentials Credentials, int? BirthYear = null);

/// <summary>The per-citizen facts the scan path needs, as the hot store (Redis hash, or memory) keeps them.</summary>
public sealed record CitizenHotState(CitizenPseudonym Id, StatusColour Colour, uint StatusVersion, Credentials Credentials, string MaskedName);

public enum UpsertOutcome
{
    Created,
    Updated,
    Unchanged,
}

public sealed record UpsertResult(Citizen Citizen, UpsertOutcome Outcome);

/// <summary>
/// An authority's status change. <see cref="CaseRef"/> is required: every change belongs to a case.
/// <see cref="Actor"/> is who made it (a staff username: the audit log keeps it); <see cref="ActorRole"/> is their
/// role (HealthAuthority, CityAdmin, or <see cref="SystemRole"/>), the only part of "who" the history row keeps,
/// since the citizen reads it. <see cref="ExpectedVersion"/> is the status version the writer last saw: the change
/// applies on top of it or not at all, so a writer holding an old copy never overwrites a newer status unseen.
/// </summary>
public sealed record StatusChange(
    CitizenPseudonym CitizenId, StatusColour Colour, string Reason, string CaseRef, string Actor, string ActorRole, DateTimeOffset At, uint ExpectedVersion)
{
    /// <summary>The role of changes the server makes itself (the demo data), not a member of staff.</summary>
    public const string SystemRole = "system";

    /// <summary>The role of changes an approved draft makes: two authority accounts, drafter and approver (names in the audit log).</summary>
    public const string ApprovedDraftRole = "ApprovedDraft";
}

public sealed record StatusChangeResult(Citizen Citizen, CitizenStatus Previous, Audit.AuditEntry Audit);
