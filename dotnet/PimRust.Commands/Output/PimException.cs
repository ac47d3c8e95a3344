using System;

namespace PimRust;

/// <summary>
/// How an error is named — its kind and code, the id made of both, and the <c>ErrorCategory</c> member it is filed
/// under — as the core decides it: from an error envelope or outcome, or from <c>CoreRules.Errors</c> for the errors
/// the cmdlets raise themselves.
/// </summary>
internal sealed record ErrorIdentity(string Kind, string Code, string ErrorId, string Category);

/// <summary>
/// A PimRust failure with its stable identity: <see cref="Kind"/> (InvalidArgument, AuthenticationRequired,
/// PolicyViolation…) and the service's or PimRust's <see cref="Code"/>.
/// </summary>
public sealed class PimException : Exception
{
    internal PimException(ErrorIdentity identity, string message, int? httpStatus = null, Exception? inner = null)
        : base(message, inner)
    {
        Identity = identity;
        HttpStatus = httpStatus;
        Data["PimErrorKind"] = identity.Kind;
        Data["PimErrorCode"] = identity.Code;
        Data["HttpStatus"] = httpStatus;
    }

    internal ErrorIdentity Identity { get; }
    public string Kind => Identity.Kind;
    public string Code => Identity.Code;
    public int? HttpStatus { get; }
    public double? RetryAfterSec { get; init; }
    /// <summary>Structured detail from the core (JSON), when there is any.</summary>
    public string? DetailsJson { get; init; }

    /// <summary><c>PimRust.&lt;Kind&gt;</c>, or <c>PimRust.&lt;Kind&gt;.&lt;Code&gt;</c> when the code says more.</summary>
    public string ErrorId => Identity.ErrorId;
}
