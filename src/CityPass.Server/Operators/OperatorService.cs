using CityPass.Server.Auth;
using CityPass.Server.Audit;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Identity;

namespace CityPass.Server.Operators;

public sealed record SignInRequest(string? Username, string? Password);

public sealed record StaffToken(string AccessToken, string TokenType, DateTimeOffset ExpiresAt, string Role, IReadOnlyList<Guid> VenueIds);

public sealed record OperatorDraft(string? Username, string? DisplayName, string? Password, string? Role, IReadOnlyList<Guid>? VenueIds);

public sealed record OperatorView(Guid Id, string Username, string DisplayName, string Role, IReadOnlyList<Guid> VenueIds, DateTimeOffset CreatedAt,
    DateTimeOffset? DisabledAt)
{
    public static OperatorView From(Operator o) => new(o.Id, o.Username, o.DisplayName, o.Role.ToString(), o.VenueIds, o.CreatedAt, o.DisabledAt);
}

/// <summary>A password set by a city admin's reset: shown in this answer only, for the member of staff to sign in with and change.</summary>
public sealed record PasswordReset(Guid OperatorId, string TemporaryPassword);

/// <summary>Where a member of staff signs in, as the audit log records it.</summary>
public enum SignInChannel
{
    Api,
    Console,
}

/// <summary>
/// Staff sign-in and staff management (city admins). Every change of an account is stored with its audit entry, together
/// or not at all (<see cref="AuditOf{T}"/>), replaces its security stamp, and then drops it from
/// <see cref="OperatorCache"/> (here and, through Redis, on every replica), so tokens and cookies issued before the
/// change are refused at once. Sign-ins change nothing: their entries are appended on their own.
/// </summary>
public sealed class OperatorService(IOperatorStore store, SignInTokens tokens, OperatorCache accounts, IAuditLog audit, TimeProvider clock,
    IPasswordHasher<Operator> hasher)
{
    // Verified against when the username is unknown, so the answer takes as long as for a wrong password.
    private readonly string _dummyHash = hasher.HashPassword(null!, "not a password of anyone");

    /// <summary>Checks the password and issues a token; audits the sign-in, and failed attempts on an existing account (never the password).</summary>
    public async Task<Outcome<(Operator Operator, StaffToken Token)>> SignInAsync(SignInRequest request, SignInChannel channel, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Username) || string.IsNullOrEmpty(request.Password) || request.Username.Length > 100 || request.Password.Length > 200)
        {
            return Failure.Invalid("", "A username and a password are required.");
        }
        var op = await store.FindByUsernameAsync(request.Username.Trim(), ct);
        var verdict = hasher.VerifyHashedPassword(op!, op?.PasswordHash ?? _dummyHash, request.Password);
        if (op is null || verdict == PasswordVerificationResult.Failed)
        {
            // Unknown usernames are audited too (one write either way, so timing does not tell which usernames
            // exist), but without the text a stranger typed: it may be someone's password.
            await audit.AppendAsync(new AuditDraft(clock.GetUtcNow(), op?.Username ?? "(unknown)", "operator.signin.failed",
                op is null ? "operator:unknown" : $"operator:{op.Id}", null, ChannelName(channel), "operator.signin.failed", null), ct);
            return new Failure(StatusCodes.Status401Unauthorized, ProblemCodes.InvalidCredentials, "Wrong username or password.");
        }
        if (op.IsDisabled)
        {
            // Said only to whoever knows the password: to anyone else a disabled account looks like any other.
            await AuditAsync(op.Username, "operator.signin.refused", op.Id, null, ChannelName(channel) + " disabled", ct);
            return new Failure(StatusCodes.Status403Forbidden, ProblemCodes.AccountDisabled, "This account is disabled: ask a city admin.");
        }
        await AuditAsync(op.Username, "operator.signin", op.Id, null, ChannelName(channel), ct);
        var (token, expiresAt) = tokens.ForStaff(op.Id, op.Username, op.Role, op.VenueIds, op.SecurityStamp);
        return (op, new StaffToken(token, "Bearer", expiresAt, op.Role.ToString(), op.VenueIds));
    }

    public string HashPassword(string password) => hasher.HashPassword(null!, password);

    public async Task<IReadOnlyList<OperatorView>> ListAsync(CancellationToken ct) => (await store.ListAsync(ct)).Select(OperatorView.From).ToList();

    public async Task<Outcome<OperatorView>> CreateAsync(AccessScope scope, OperatorDraft draft, CancellationToken ct)
    {
        if (Validate(draft, requirePassword: true, out var role) is { } invalid) return invalid;
        var op = new Operator(Guid.NewGuid(), draft.Username!.Trim(), (draft.DisplayName ?? draft.Username).Trim(), HashPassword(draft.Password!), role,
            role == OperatorRole.VenueOperator ? draft.VenueIds ?? [] : [], clock.GetUtcNow());
        if (await store.CreateAsync(op, CreatedBy(scope.Actor, clock.GetUtcNow()), ct) is not { } created) return Failure.Conflict($"The username '{op.Username}' is taken.");
        return OperatorView.From(created);
    }

    /// <summary>How creating an account reads in the audit log; also for the demo data's staff, whom no one creates through the API.</summary>
    public static AuditOf<Operator> CreatedBy(string actor, DateTimeOffset at) =>
        created => Entry(at, actor, "operator.create", created.Id, null, $"{created.Username} {created.Role}");

    public async Task<Outcome<OperatorView>> UpdateAsync(AccessScope scope, Guid id, OperatorDraft draft, CancellationToken ct)
    {
        if (await store.GetAsync(id, ct) is not { } existing) return Failure.NotFound("Operator");
        if (Validate(draft, requirePassword: false, out var role) is { } invalid) return invalid;
        var updated = existing with
        {
            Username = draft.Username!.Trim(),
            DisplayName = (draft.DisplayName ?? draft.Username).Trim(),
            PasswordHash = string.IsNullOrEmpty(draft.Password) ? existing.PasswordHash : HashPassword(draft.Password),
            Role = role,
            VenueIds = role == OperatorRole.VenueOperator ? draft.VenueIds ?? [] : [],
            // Any change refuses the tokens and cookies issued before it: the operator signs in again.
            SecurityStamp = Operator.NewStamp(),
        };
        // The password itself never goes into the log; only that it changed.
        var password = string.IsNullOrEmpty(draft.Password) ? "" : " password changed";
        var now = clock.GetUtcNow();
        if (await store.UpdateAsync(updated, stored => Entry(now, scope.Actor, "operator.update", id, Describe(existing), Describe(stored) + password), ct) is not { } saved)
        {
            return Failure.Conflict($"The username '{updated.Username}' is taken.");
        }
        accounts.Invalidate(id);
        return OperatorView.From(saved);
    }

    public async Task<Failure?> DeleteAsync(AccessScope scope, Guid id, CancellationToken ct)
    {
        if (id == scope.OperatorId) return Failure.Conflict("You cannot delete your own account.");
        var now = clock.GetUtcNow();
        if (await store.DeleteAsync(id, deleted => Entry(now, scope.Actor, "operator.delete", deleted.Id, null, null), ct) is null) return Failure.NotFound("Operator");
        accounts.Invalidate(id);
        return null;
    }

    /// <summary>Disables or enables an account, at once: a disabled one cannot sign in, and its tokens and cookies stop working.</summary>
    public async Task<Outcome<OperatorView>> SetDisabledAsync(AccessScope scope, Guid id, bool disabled, CancellationToken ct)
    {
        if (disabled && id == scope.OperatorId) return Failure.Conflict("You cannot disable your own account.");
        if (await store.GetAsync(id, ct) is not { } existing) return Failure.NotFound("Operator");
        if (existing.IsDisabled == disabled) return OperatorView.From(existing);
        var now = clock.GetUtcNow();
        var updated = existing with { DisabledAt = disabled ? now : null, SecurityStamp = Operator.NewStamp() };
        static string StateOf(Operator o) => o.IsDisabled ? "disabled" : "active";
        if (await store.UpdateAsync(updated, stored => Entry(now, scope.Actor, disabled ? "operator.disable" : "operator.enable", id, StateOf(existing), StateOf(stored)), ct)
            is not { } saved)
        {
            return Failure.NotFound("Operator");
        }
        accounts.Invalidate(id);
        return OperatorView.From(saved);
    }

    /// <summary>
    /// Sets a new random password and returns it once; the account's tokens and cookies stop working. For a member of
    /// staff who forgot theirs: the admin hands it over, and it never appears in a log.
    /// </summary>
    public async Task<Outcome<PasswordReset>> ResetPasswordAsync(AccessScope scope, Guid id, CancellationToken ct)
    {
        if (await store.GetAsync(id, ct) is not { } existing) return Failure.NotFound("Operator");
        // 16 characters of an alphabet without look-alikes (0/O, 1/l/I): about 90 bits, typed from a screen.
        const string alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var password = System.Security.Cryptography.RandomNumberGenerator.GetString(alphabet, 16);
        var updated = existing with { PasswordHash = HashPassword(password), SecurityStamp = Operator.NewStamp() };
        var now = clock.GetUtcNow();
        if (await store.UpdateAsync(updated, _ => Entry(now, scope.Actor, "operator.password.reset", id, null, "password reset"), ct) is null) return Failure.NotFound("Operator");
        accounts.Invalidate(id);
        return new PasswordReset(id, password);
    }

    private static string ChannelName(SignInChannel channel) => channel switch
    {
        SignInChannel.Api => "api",
        SignInChannel.Console => "console",
    };

    /// <summary>A sign-in's entry, appended on its own: a sign-in changes no account.</summary>
    private Task<AuditEntry> AuditAsync(string actor, string action, Guid operatorId, string? before, string? after, CancellationToken ct) =>
        audit.AppendAsync(Entry(clock.GetUtcNow(), actor, action, operatorId, before, after), ct);

    private static AuditDraft Entry(DateTimeOffset at, string actor, string action, Guid operatorId, string? before, string? after) =>
        new(at, actor, action, $"operator:{operatorId}", before, after, action, null);

    private static string Describe(Operator o) => $"{o.Username} {o.Role} [{string.Join(',', o.VenueIds)}]";

    private static Failure? Validate(OperatorDraft d, bool requirePassword, out OperatorRole role)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(d.Username) || d.Username.Trim().Length is < 3 or > 64) errors["username"] = ["A username of 3 to 64 characters is required."];
        if (requirePassword || !string.IsNullOrEmpty(d.Password))
        {
            if (d.Password is null || d.Password.Length is < 10 or > 200) errors["password"] = ["A password of 10 to 200 characters is required."];
        }
        if (!Enum.TryParse(d.Role, ignoreCase: true, out role) || !Enum.IsDefined(role) || int.TryParse(d.Role, out _))
        {
            errors["role"] = ["Role is CityAdmin, HealthAuthority or VenueOperator."];
        }
        return errors.Count > 0 ? Failure.Invalid(errors) : null;
    }
}
