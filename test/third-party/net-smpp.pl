#!/usr/bin/perl
# A third-party SMPP client against smscd: Net::SMPP (Debian libnet-smpp-perl) in synchronous
# mode binds as transceiver, submits one message asking for a receipt, waits for the receipt
# (deliver_sm), answers it and prints what it read as one JSON line on stdout.
#
# Usage: net-smpp.pl HOST PORT SYSTEM_ID PASSWORD
# Exit 0 with the JSON line on success; non-zero with a message on stderr otherwise.
use strict;
use warnings;
use Net::SMPP;

my $RECEIPT_TIMEOUT_SEC = 10;
my $CMD_DELIVER_SM = 0x00000005;

die "usage: $0 HOST PORT SYSTEM_ID PASSWORD\n" unless @ARGV == 4;
my ($host, $port, $system_id, $password) = @ARGV;

# Everything below runs under one alarm: a server that never answers must not hang the test.
local $SIG{ALRM} = sub { die "timed out after ${RECEIPT_TIMEOUT_SEC} s\n" };
alarm $RECEIPT_TIMEOUT_SEC;

my ($smpp, $bind_resp) = Net::SMPP->new_transceiver(
    $host,
    port      => $port,
    system_id => $system_id,
    password  => $password,
);
die "cannot connect to $host:$port: $!\n" unless $smpp;
die "bind_transceiver got no response\n" unless $bind_resp;
die sprintf("bind_transceiver refused: status 0x%08x\n", $bind_resp->{status}) if $bind_resp->{status} != 0;

my $submit_resp = $smpp->submit_sm(
    source_addr_ton     => 1,
    source_addr_npi     => 1,
    source_addr         => '436601234567',
    dest_addr_ton       => 1,
    dest_addr_npi       => 1,
    destination_addr    => '436991234567',
    registered_delivery => 1,
    short_message       => 'Hello from Net::SMPP',
);
die "submit_sm got no response (a receipt that came first would have been dropped)\n" unless $submit_resp;
die sprintf("submit_sm refused: status 0x%08x\n", $submit_resp->{status}) if $submit_resp->{status} != 0;
my $message_id = $submit_resp->{message_id};

# Read until the receipt comes; anything else (e.g. enquire_link) is answered or ignored.
my $receipt;
while (!$receipt) {
    my $pdu = $smpp->read_pdu() or die "connection lost while waiting for the receipt\n";
    if ($pdu->{cmd} == $CMD_DELIVER_SM) {
        $receipt = $pdu;
        $smpp->deliver_sm_resp(message_id => '', seq => $pdu->{seq});
    } elsif ($pdu->{cmd} == 0x00000015) {    # enquire_link
        $smpp->enquire_link_resp(seq => $pdu->{seq});
    }
}
alarm 0;

# TLV values are the raw octets: receipted_message_id is a C-Octet String (strip its NUL),
# message_state one octet, network_error_code three octets (type, code).
my $receipted = $receipt->{receipted_message_id};
$receipted =~ s/\0+\z// if defined $receipted;
my $state = defined $receipt->{message_state} ? unpack('C', $receipt->{message_state}) : undef;
my $nec = defined $receipt->{network_error_code} ? unpack('H*', $receipt->{network_error_code}) : undef;

print '{', join(',',
    '"message_id":' . json_string($message_id),
    '"esm_class":' . json_number($receipt->{esm_class}),
    '"short_message":' . json_string($receipt->{short_message}),
    '"receipted_message_id":' . json_string($receipted),
    '"message_state":' . json_number($state),
    '"network_error_code":' . json_string($nec),
), "}\n";

alarm 5;
my $unbind_resp = $smpp->unbind();
alarm 0;
warn "unbind got no response\n" unless $unbind_resp;
$smpp->close();
exit 0;

sub json_number {
    my ($n) = @_;
    return defined $n ? sprintf('%d', $n) : 'null';
}

sub json_string {
    my ($s) = @_;
    return 'null' unless defined $s;
    $s =~ s/(["\\])/\\$1/g;
    $s =~ s/([\x00-\x1f\x7f-\xff])/sprintf('\\u%04x', ord $1)/ge;
    return "\"$s\"";
}
