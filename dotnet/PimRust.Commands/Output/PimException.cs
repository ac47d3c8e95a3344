using System;

namespace PimRust;

/// <summary>
/// A PimRust failure with its stable identity: <see cref="Kind"/> (InvalidArgument, AuthenticationRequired,
/// PolicyViolation…) and the service's or PimRust's <see cref="Code"/>.
/// </summary>
public sealed class PimException : Exception
{
    public PimException(string kind, string code, string message, int? httpStatus = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Code = code;
        HttpStatus = httpStatus;
        Data["PimErrorKind"] = kind;
        Data["PimErrorCode"] = code;
        Data["HttpStatus"] = httpStatus;
    }

    public string Kind { get; }
    public string Code { get; }
    public int? HttpStatus { get; }
    public double? RetryAfterSec { get; init; }
    /// <summary>Structured detail from the core (JSON), when there is any.</summary>
    public string? DetailsJson { get; init; }

    /// <summary><c>PimRust.&lt;Kind&gt;</c>, or <c>PimRust.&lt;Kind&gt;.&lt;Code&gt;</c> when the code says more.</summary>
    public string ErrorId => string.IsNullOrEmpty(Code) || Code == Kind ? $"PimRust.{Kind}" : $"PimRust.{Kind}.{Code}";
}
