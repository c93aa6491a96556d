using CityPass.Core.Citizens;
using CityPass.Server.Audit;

namespace CityPass.Server.Appeals;

/// <summary>Appeals (PostgreSQL, or memory when embedded). Opening and deciding are written with their audit entry, together or not at all (<see cref="AuditOf{T}"/>).</summary>
public interface IAppealStore
{
    /// <summary>
    /// Stores a new open appeal, unless the citizen has an open appeal already (<see cref="AppealOpenResult.AlreadyOpen"/>)
    /// or one on the same status version (<see cref="AppealOpenResult.StatusAlreadyAppealed"/>): checked in the same step
    /// as the insert, so two requests at once open one appeal. Only an opened appeal is audited.
    /// </summary>
    Task<AppealOpenResult> OpenAsync(Appeal appeal, AuditOf<Appeal> audit, CancellationToken cancellationToken);

    Task<Appeal?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The citizen's appeals, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<Appeal>> ListByCitizenAsync(CitizenPseudonym citizenId, int limit, CancellationToken cancellationToken);

    /// <summary>Open appeals oldest first (the queue), or decided ones newest decision first; at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<Appeal>> ListAsync(bool open, int limit, CancellationToken cancellationToken);

    /// <summary>Closes an open appeal with <paramref name="decision"/>, in one step (of two decisions at once, one wins); null when it is not open (or not there).</summary>
    Task<Appeal?> DecideAsync(Guid id, AppealDecision decision, AuditOf<Appeal> audit, CancellationToken cancellationToken);
}

public enum AppealOpenResult
{
    Opened,
    AlreadyOpen,
    StatusAlreadyAppealed,
}
