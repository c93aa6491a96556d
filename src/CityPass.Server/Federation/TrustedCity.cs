namespace CityPass.Server.Federation;

/// <summary>
/// A city whose passes this city accepts: its issuer code, the federation key a CityAdmin pinned for it, where its
/// signed key-set document is fetched (or none, when documents are uploaded by hand), and the last good document.
/// </summary>
public sealed record TrustedCity(
    string Issuer,
    string Name,
    string FederationSuite,
    string FederationPublicKey,
    string? DocumentUrl,
    DateTimeOffset AddedAt,
    string AddedBy)
{
    /// <summary>The last document that verified and was newer than the one before it; kept through failed refreshes.</summary>
    public string? Document { get; init; }

    public DateTimeOffset? DocumentIssuedAt { get; init; }

    public DateTimeOffset? DocumentExpiresAt { get; init; }

    /// <summary>The last time a refresh was tried, and what it said (null: it succeeded or found the same document).</summary>
    public DateTimeOffset? LastCheckedAt { get; init; }

    public string? LastError { get; init; }

    /// <summary>The same settings without the document: what a changed federation key leaves (it was verified under the old one).</summary>
    public TrustedCity WithoutDocument() => this with { Document = null, DocumentIssuedAt = null, DocumentExpiresAt = null };
}
