import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDeliveryFailures } from './whatsapp-status.ts';

const phoneNumberId = '106540352242922';

function statusPayload(statuses: unknown[], forNumber = phoneNumberId) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: forNumber },
              statuses,
            },
          },
        ],
      },
    ],
  };
}

describe('status callbacks', () => {
  it('name the messages WhatsApp could not deliver, with its reasons', () => {
    const failed = {
      id: 'wamid.out',
      status: 'failed',
      timestamp: '1767225600',
      recipient_id: '4915112345678',
      errors: [
        {
          code: 131047,
          title: 'Re-engagement message',
          message: 'Re-engagement message',
          error_data: { details: 'more than 24 hours have passed' },
        },
      ],
    };
    assert.deepEqual(buildDeliveryFailures(statusPayload([failed]), phoneNumberId), [
      {
        wamid: 'wamid.out',
        recipient: '4915112345678',
        reasons: ['131047 Re-engagement message (more than 24 hours have passed)'],
      },
    ]);
  });

  it('ignore sent, delivered and read, other phone numbers and text messages', () => {
    const ok = ['sent', 'delivered', 'read'].map((status) => ({
      id: `wamid.${status}`,
      status,
      timestamp: '1',
    }));
    assert.deepEqual(buildDeliveryFailures(statusPayload(ok), phoneNumberId), []);
    const failed = [{ id: 'wamid.f', status: 'failed', errors: [{ code: 131026 }] }];
    assert.deepEqual(buildDeliveryFailures(statusPayload(failed, '999'), phoneNumberId), []);
    assert.deepEqual(buildDeliveryFailures({ entry: [] }, phoneNumberId), []);
  });
});
