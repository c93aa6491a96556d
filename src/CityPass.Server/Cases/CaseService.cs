using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Citizens;
using CityPass.Server.Operators;
using CityPass.Server.Problems;
using CityPass.Server.Validation;

namespace CityPass.Server.Cases;

/// <summary>
/// The health authority's cases (HealthAuthority and CityAdmin): open, list, read, change the legal basis, owner
/// or notes of an open case, close one with a reason, and list the status changes made under it. Every change is
/// audited (<c>case.open</c>, <c>case.update</c>, <c>case.close</c>) with the case id as the entry's case, stored with
/// the change, together or not at all (<see cref="AuditOf{T}"/>).
/// A closed case is not reopened: a new case is opened instead (docs/api.md says why).
/// </summary>
public sealed class CaseService(ICaseStore store, IOperatorStore operators, ICitizenStore citizens, IAuditLog audit, TimeProvider clock)
{
    public const int MaxLegalBasisLength = 500;
    public const int MaxNotesLength = 4000;
    public const int MaxCloseReasonLength = 500;
    public const int MaxPageSize = 200;

    public const string OpenAction = "case.open";
    public const string UpdateAction = "case.update";
    public const string CloseAction = "case.close";

    // The API's route policy refuses other roles before this; the console relies on this check.
    private static readonly Failure NotAuthority = Failure.Forbidden("Only the health authority and city admins work on cases.");

    private static readonly Failure NotFound = Failure.NotFound("Case");

    private static readonly Failure Closed = new(StatusCodes.Status409Conflict, CaseCodes.CaseClosed,
        "The case is closed: a closed case no longer changes. Open a new case (its notes may name this one).");

    public async Task<Outcome<CaseView>> OpenAsync(AccessScope scope, OpenCaseRequest request, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        var errors = new Dictionary<string, string[]>();
        if (!CaseTypes.TryParseWireName(request.Type, out var type))
        {
            errors["type"] = [$"The type is one of {string.Join(", ", CaseTypes.All.Select(t => t.ToWireName()))}."];
        }
        var legalBasis = CheckLegalBasis(request.LegalBasis, errors);
        var notes = CheckNotes(request.Notes ?? "", errors);
        var owner = await OwnerAsync(request.Owner ?? scope.Actor, errors, ct);
        if (errors.Count > 0) return Failure.Invalid(errors);

        var now = clock.GetUtcNow();
        var opened = await store.CreateAsync(new CaseDraft(type, legalBasis!, owner!, notes!, now, scope.Actor), OpenedBy(scope.Actor, now), ct);
        return CaseView.From(opened);
    }

    public async Task<Outcome<CaseListView>> ListAsync(AccessScope scope, string? state, string? before, int? limit, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        CaseState? parsed = state?.Trim().ToLowerInvariant() switch
        {
            null or "" or "open" => CaseState.Open,
            "closed" => CaseState.Closed,
            "all" => CaseState.All,
            _ => null,
        };
        if (parsed is null) return Failure.Invalid("state", "The state is open, closed or all.");
        long? beforeNumber = null;
        if (!string.IsNullOrWhiteSpace(before))
        {
            if (!CaseIds.TryParse(before, out _, out var number)) return Failure.Invalid("before", "'before' is the id of the last case of the previous page.");
            beforeNumber = number;
        }
        var size = Math.Clamp(limit ?? 50, 1, MaxPageSize);
        var cases = await store.ListAsync(parsed.Value, beforeNumber, size, ct);
        return new CaseListView(cases.Select(CaseView.From).ToList(), cases.Count == size ? cases[^1].Id : null);
    }

    public async Task<Outcome<CaseView>> GetAsync(AccessScope scope, string id, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        return await FindAsync(id, ct) is { } found ? CaseView.From(found) : NotFound;
    }

    public async Task<Outcome<CaseView>> UpdateAsync(AccessScope scope, string id, UpdateCaseRequest request, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        if (await FindAsync(id, ct) is not { } held) return NotFound;
        if (!held.IsOpen) return Closed;
        var errors = new Dictionary<string, string[]>();
        var legalBasis = request.LegalBasis is null ? held.LegalBasis : CheckLegalBasis(request.LegalBasis, errors);
        var notes = request.Notes is null ? held.Notes : CheckNotes(request.Notes, errors);
        var owner = request.Owner is null ? held.Owner : await OwnerAsync(request.Owner, errors, ct);
        if (errors.Count > 0) return Failure.Invalid(errors);

        // Null: closed (or gone) since it was read; the answer says which.
        var now = clock.GetUtcNow();
        if (await store.UpdateAsync(held.Id, legalBasis!, owner!, notes!,
                updated => new AuditDraft(now, scope.Actor, UpdateAction, Subject(held.Id), Describe(held), Describe(updated), UpdateAction, held.Id), ct) is not { } updated)
        {
            return await FindAsync(held.Id, ct) is null ? NotFound : Closed;
        }
        return CaseView.From(updated);
    }

    public async Task<Outcome<CaseView>> CloseAsync(AccessScope scope, string id, CloseCaseRequest request, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        if (await FindAsync(id, ct) is not { } held) return NotFound;
        if (FreeText.Check(request.Reason, MaxCloseReasonLength, "A reason") is { } badReason) return Failure.Invalid("reason", badReason);
        if (!held.IsOpen) return Closed;
        var now = clock.GetUtcNow();
        if (await store.CloseAsync(held.Id, now, scope.Actor, request.Reason!.Trim(),
                closed => new AuditDraft(now, scope.Actor, CloseAction, Subject(held.Id), "open", "closed", closed.CloseReason!, held.Id), ct) is not { } closed)
        {
            return await FindAsync(held.Id, ct) is null ? NotFound : Closed;
        }
        return CaseView.From(closed);
    }

    /// <summary>
    /// The status changes made under the case, newest first, read from the audit log (each change's entry carries
    /// its case; the log is indexed by case). Changes the rule refused are not there: they changed nothing.
    /// </summary>
    public async Task<Outcome<CaseChangesView>> ChangesAsync(AccessScope scope, string id, long? before, int? limit, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        if (await FindAsync(id, ct) is not { } found) return NotFound;
        var size = Math.Clamp(limit ?? 100, 1, MaxPageSize);
        var entries = await audit.QueryAsync(new AuditQuery(Action: StatusAudit.Action, BeforeSequence: before, Limit: size, CaseRef: found.Id), ct);
        var names = new Dictionary<string, string?>(StringComparer.Ordinal);
        var items = new List<CaseChangeView>(entries.Count);
        foreach (var e in entries)
        {
            var citizenId = e.Subject.StartsWith("citizen:", StringComparison.Ordinal) ? e.Subject["citizen:".Length..] : e.Subject;
            if (!names.TryGetValue(citizenId, out var masked))
            {
                masked = CitizenPseudonym.TryParse(citizenId, out var pid) && await citizens.GetAsync(pid, ct) is { } citizen ? NameMasking.Mask(citizen.FullName) : null;
                names[citizenId] = masked;
            }
            items.Add(new CaseChangeView(e.Sequence, citizenId, masked, ColourOf(e.Before), ColourOf(e.After), e.Reason, e.Actor, e.At));
        }
        return new CaseChangesView(found.Id, items, entries.Count == size ? entries[^1].Sequence : null);
    }

    private async Task<Case?> FindAsync(string id, CancellationToken ct) =>
        CaseIds.TryParse(id, out var canonical, out _) ? await store.GetAsync(canonical, ct) : null;

    private static string? CheckLegalBasis(string? text, Dictionary<string, string[]> errors)
    {
        if (FreeText.Check(text, MaxLegalBasisLength, "A legal basis") is { } bad)
        {
            errors["legalBasis"] = [bad + " Name the law, order or decision this case rests on."];
            return null;
        }
        return text!.Trim();
    }

    /// <summary>Notes may run over lines (stored with \n); otherwise the same printable text as every other field staff type.</summary>
    private static string? CheckNotes(string text, Dictionary<string, string[]> errors)
    {
        var notes = text.ReplaceLineEndings("\n").Trim();
        if (notes.Length > MaxNotesLength || !notes.Split('\n').All(FreeText.IsPrintable))
        {
            errors["notes"] = [$"Notes are up to {MaxNotesLength} printable characters (line breaks allowed)."];
            return null;
        }
        return notes;
    }

    /// <summary>The owner's username as the account spells it, when the account may work on cases.</summary>
    private async Task<string?> OwnerAsync(string username, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        var account = string.IsNullOrWhiteSpace(username) || username.Length > 100 ? null : await operators.FindByUsernameAsync(username.Trim(), ct);
        if (account is { Role: OperatorRole.HealthAuthority or OperatorRole.CityAdmin }) return account.Username;
        errors["owner"] = ["The owner is the username of a health authority or city admin account."];
        return null;
    }

    /// <summary>How opening a case reads in the audit log; also for the demo data's case, which no one opens through the API.</summary>
    public static AuditOf<Case> OpenedBy(string actor, DateTimeOffset at) =>
        opened => new AuditDraft(at, actor, OpenAction, Subject(opened.Id), null, Describe(opened), OpenAction, opened.Id);

    private static string Subject(string id) => $"case:{id}";

    private static string Describe(Case c) =>
        $"{c.Type.ToWireName()}; legal basis: {c.LegalBasis}; owner: {c.Owner}; notes: {c.Notes.ReplaceLineEndings(" / ")}";

    /// <summary>"red v3" as a status change's audit entry writes it: the colour.</summary>
    private static string ColourOf(string? state) => state?.Split(' ', 2)[0] ?? "";
}
