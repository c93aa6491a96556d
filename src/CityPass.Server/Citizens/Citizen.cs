using CityPass.Core.Citizens;

namespace CityPass.Server.Citizens;

/// <summary>A citizen as the system of record holds them. <see cref="Id"/> is the random pseudonym passes carry (encrypted).</summary>
public sealed record Citizen(
    CitizenPseudonym Id,
    string? ExternalId,
    string Phone,
    string FullName,
    CitizenStatus Status,
    Credentials Credentials,
    DateTimeOffset CreatedAt)
{
    /// <summary>What the hot store keeps: no phone, no full name.</summary>
    public CitizenHotState ToHot() => new(Id, Status.Colour, Status.Version, Credentials, NameMasking.Mask(FullName));
}

/// <summary>A citizen to create or update, e.g. one row of a bulk import. <see cref="ExternalId"/> makes imports idempotent.</summary>
public sealed record CitizenDraft(string? ExternalId, string Phone, string FullName, Credentials Credentials);

/// <summary>The per-citizen facts the scan path needs, as the hot store (Redis hash, or memory) keeps them.</summary>
public sealed record CitizenHotState(CitizenPseudonym Id, StatusColour Colour, uint StatusVersion, Credentials Credentials, string MaskedName);

public enum UpsertOutcome
{
    Created,
    Updated,
    Unchanged,
}

public sealed record UpsertResult(Citizen Citizen, UpsertOutcome Outcome);

/// <summary>An authority's status change. <see cref="CaseRef"/> is required: every change belongs to a case.</summary>
public sealed record StatusChange(CitizenPseudonym CitizenId, StatusColour Colour, string Reason, string CaseRef, string Actor, DateTimeOffset At);

public sealed record StatusChangeResult(Citizen Citizen, CitizenStatus Previous, Audit.AuditEntry Audit);
